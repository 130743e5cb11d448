// The one-time code step, first when the document asks for it: email a code, then enter it.
// Codes are sent only when the signer asks (a reload must not send another email).

import { api } from "./api.js";
import { announce, el, focusHeading, replaceView } from "./dom.js";
import { language, t } from "./i18n.js";

// onVerified(): the code was accepted. onGone(apiError): the link or document is no longer usable
// (including `otp-locked`: too many wrong codes, until the sender re-sends the link).
export function showOtp(session, { onVerified, onGone }) {
  const sentTo = el("p", { id: "otp-sent", class: "hint" });
  const error = el("p", { class: "error", id: "otp-error", "aria-live": "assertive" });
  const input = el("input", {
    id: "otp-code", class: "input input--code", type: "text", inputmode: "numeric", autocomplete: "one-time-code",
    maxlength: 6, pattern: "[0-9]{6}", "aria-describedby": "otp-sent otp-error", required: true,
  });
  const verify = el("button", { type: "submit", class: "button button--primary", id: "otp-verify" }, t("Verify"));
  const form = el("form", { class: "otp__form", novalidate: true, hidden: true },
    el("label", { for: "otp-code", text: t("6-digit code") }), el("div", { class: "otp__row" }, input, verify));
  const send = el("button", { type: "button", class: "button button--primary", id: "otp-send" }, t("Email me a code"));

  function fail(message) {
    error.textContent = message;
    input.setAttribute("aria-invalid", "true");
  }

  send.addEventListener("click", async () => {
    send.disabled = true;
    error.textContent = "";
    try {
      const answer = await api.requestCode();
      const until = new Date(answer.data.expiresAt).toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
      sentTo.textContent = t("We sent a code to %(address)s. It can be used until %(time)s.", { address: answer.data.sentTo, time: until });
      form.hidden = false;
      send.textContent = t("Send a new code");
      send.classList.remove("button--primary");
      input.value = "";
      input.focus();
      announce(sentTo.textContent);
    } catch (err) {
      if (err.slug === "otp-already-verified") onVerified();
      else if ([404, 409, 410].includes(err.status) || err.slug === "otp-locked") onGone(err);
      else if (err.slug === "otp-too-soon" || err.slug === "otp-daily-limit") error.textContent = `${err.message}.`;
      else error.textContent = t("We couldn't send a code. Check your connection and try again.");
    } finally {
      send.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.replace(/\s/g, "");
    if (!/^[0-9]{6}$/.test(code)) {
      fail(t("Enter the 6 digits from the email."));
      input.focus();
      return;
    }
    verify.disabled = true;
    try {
      await api.verifyCode(code);
      announce(t("Your email address is verified."));
      onVerified();
    } catch (err) {
      if (err.status === 422) {
        const detail = err.errors.find((e) => e.field === "code");
        // "Wrong code; 4 attempt(s) left" says more than "The code is not correct".
        fail(err.slug === "otp-invalid" && detail ? `${detail.message}.` : `${err.message}.`);
        input.focus();
      } else if ([404, 409, 410].includes(err.status) || err.slug === "otp-locked") onGone(err);
      else fail(t("We couldn't check the code. Check your connection and try again."));
    } finally {
      verify.disabled = false;
    }
  });

  const card = el("section", { class: "card otp", "aria-labelledby": "otp-title", "data-state": "otp" },
    el("h2", { id: "otp-title", text: t("Confirm it's you") }),
    el("p", {}, t("Before you can open “%(document)s”, we need to check that this is your email.", { document: session.name }), " ",
      t("We'll send a 6-digit code to %(address)s.", { address: session.signer.email })),
    sentTo, form, error,
    el("div", { class: "card__actions" }, send));
  document.getElementById("guide").hidden = true;
  replaceView(card);
  focusHeading(card);
}
