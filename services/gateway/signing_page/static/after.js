// After signing or approving: say so, then wait for the document to complete and offer the
// signed PDF. The link's state (GET …/signing/{token}/state, always 200, so polling logs nothing)
// says `document-completed` with download `ready` once the signed PDF is stored; it is polled
// with a growing interval, and not at all while the page is hidden.

import { api } from "./api.js";
import { announce, el, focusHeading, replaceView } from "./dom.js";
import { t } from "./i18n.js";
import { continueTo } from "./redirect.js";
import { downloadLink } from "./states.js";

const FIRST_DELAY_MS = 2000;
const MAX_DELAY_MS = 15000;
const GIVE_UP_MS = 30 * 60 * 1000;

function sleep(ms) {
  return new Promise((resolve) => { window.setTimeout(resolve, ms); });
}

function visible() {
  if (!document.hidden) return Promise.resolve();
  return new Promise((resolve) => {
    document.addEventListener("visibilitychange", function wait() {
      if (!document.hidden) {
        document.removeEventListener("visibilitychange", wait);
        resolve();
      }
    });
  });
}

function ending(slug) {
  const endings = {
    "document-cancelled": t("The sender has since cancelled this document."),
    "document-expired": t("The document expired before everyone had signed."),
    "document-declined": t("Someone else declined to sign, so the document will not be completed."),
  };
  return endings[slug];
}

async function waitForCompletion(status, actions) {
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  while (Date.now() - started < GIVE_UP_MS) {
    await sleep(delay);
    await visible();
    if (!status.isConnected) return;  // the view was drawn again (a new language): its own loop waits
    let link = null;
    try {
      link = (await api.state()).data;
    } catch {
      // A network hiccup or a busy server: keep waiting.
    }
    if (link && link.state === "document-completed" && link.download === "ready") {
      status.textContent = t("Everyone has signed. Your signed copy is ready.");
      actions.replaceChildren(downloadLink());
      announce(t("The signed PDF is ready to download."));
      return;
    }
    if (link && (ending(link.state) || link.state === "unknown")) {
      status.textContent = ending(link.state) || t("This link has been replaced; check your email for news of this document.");
      announce(status.textContent);
      return;
    }
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
  status.textContent = t("We'll email you when everyone has signed. You can also reload this page later.");
}

// verb: "signed" or "approved". outcome: the answer of sign/approve, or null when the signer had
// already acted before opening the page.
export function showDone(session, outcome, verb) {
  const approved = verb === "approved";
  const title = approved ? t("Approved") : t("Signed");
  const names = { name: session.signer.name, document: session.name };
  let lead;
  if (outcome) {
    lead = approved
      ? t("Thank you, %(name)s. You have approved “%(document)s”.", names)
      : t("Thank you, %(name)s. You have signed “%(document)s”.", names);
  } else {
    lead = approved ? t("You have already approved “%(document)s”.", names) : t("You have already signed “%(document)s”.", names);
  }
  const status = el("p", { id: "completion-status" });
  status.textContent = outcome && outcome.finalizing
    ? t("Everyone has signed. We are preparing the signed PDF; it will appear here in a moment.")
    : t("When everyone has signed, you can download the signed PDF here, and we will email you a copy.");
  const actions = el("div", { class: "card__actions" });
  const card = el("section", { class: "card card--state card--done", "data-state": verb },
    el("h2", { text: title }), el("p", { text: lead }), status, actions);
  document.getElementById("guide").hidden = true;
  replaceView(card);
  focusHeading(card);
  announce(`${title}. ${status.textContent}`);
  if (outcome && continueTo(session.redirectUrl, actions)) return;
  waitForCompletion(status, actions);
}
