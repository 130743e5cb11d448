// The end of the document: the electronic-records disclosure, the consent box and Finish.
// Finish stays disabled until consent is given and every required field is filled; the hint
// next to it (also its description) says what is still missing.

import { el } from "./dom.js";
import { t } from "./i18n.js";

const disclosure = () => [
  t("You are about to sign this document electronically. Before you do, please read this notice."),
  t("Electronic records and signatures. By ticking the box below you agree to receive this document and the notices about it electronically, and to sign it with an electronic signature. Your electronic signature has the same legal effect as a handwritten one."),
  t("Paper copies. You may ask the sender for a paper copy of this document at any time. The sender may charge for it."),
  t("Withdrawing consent. You can withdraw your consent before you finish by declining to sign on this page. Withdrawing does not affect documents you have already signed."),
  t("What you need. A current web browser and an email address. Once everyone has signed, you can download the signed PDF from this page and the email we send; keep a copy for your records."),
  t("Record of signing. When you finish, we record your name, email address, IP address, browser and the time, and add them to a certificate attached to the signed document."),
];

export function finishCard({ onFinish, onDecline }) {
  const hint = el("p", { class: "hint", id: "finish-hint" });
  const error = el("p", { class: "error", id: "finish-error", "aria-live": "assertive" });
  const consent = el("input", { type: "checkbox", id: "consent", class: "check__box", "aria-describedby": "finish-error" });
  const finish = el("button", {
    type: "button", id: "finish", class: "button button--primary button--large", disabled: true,
    "aria-describedby": "finish-hint", onclick: onFinish,
  }, t("Finish"));
  const card = el("section", { class: "card finish", id: "finish-card", "aria-labelledby": "finish-title" },
    el("h2", { id: "finish-title", text: t("Agree and finish") }),
    el("details", { class: "disclosure" },
      el("summary", { text: t("Electronic record and signature disclosure") }),
      disclosure().map((text) => el("p", { text }))),
    el("label", { class: "check check--consent", for: "consent" }, consent,
      el("span", { text: t("I agree to do business electronically, and I have read the electronic record and signature disclosure.") })),
    hint,
    error,
    el("div", { class: "card__actions" }, finish,
      el("button", { type: "button", class: "button button--quiet", onclick: onDecline }, t("Decline to sign"))));

  return {
    card,
    consent,
    // remaining: required fields still to fill.
    update(remaining) {
      const ready = remaining === 0 && consent.checked;
      finish.disabled = !ready || finish.dataset.busy === "true";
      if (remaining > 0) {
        hint.textContent = remaining === 1
          ? t("Fill in 1 more required field to finish.")
          : t("Fill in %(count)s more required fields to finish.", { count: remaining });
      } else if (!consent.checked) {
        hint.textContent = t("Tick the box above to agree, then select Finish.");
      } else {
        hint.textContent = t("Everything is filled in. Select Finish to sign.");
      }
      return ready;
    },
    busy(isBusy) {
      finish.dataset.busy = String(isBusy);
      finish.textContent = isBusy ? t("Finishing…") : t("Finish");
      if (isBusy) finish.disabled = true;
    },
    showError(message) {
      error.textContent = message || "";
    },
    focus() {
      (consent.checked && !finish.disabled ? finish : consent).focus();
    },
  };
}
