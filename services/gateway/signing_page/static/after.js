// After signing or approving: say so, then wait for the document to complete and offer the
// signed PDF. The summary (GET …/signing/{token}) answers 200 while others still have to act and
// 410 `document-completed` once the signed PDF is stored; it is polled with a growing interval,
// and not at all while the page is hidden.

import { api } from "./api.js";
import { announce, el, focusHeading, replaceView } from "./dom.js";
import { t } from "./i18n.js";
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
    try {
      await api.summary();
    } catch (err) {
      if (err.slug === "document-completed") {
        status.textContent = t("Everyone has signed. Your signed copy is ready.");
        actions.replaceChildren(downloadLink());
        announce(t("The signed PDF is ready to download."));
        return;
      }
      if (ending(err.slug) || err.status === 404) {
        status.textContent = ending(err.slug) || t("This link has been replaced; check your email for news of this document.");
        announce(status.textContent);
        return;
      }
      // A network hiccup or a busy server: keep waiting.
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

const REDIRECT_DELAY_MS = 4000;

// A campaign's document (redirectUrl, https only, checked when the campaign was saved and again
// here): once signed, a Continue link, followed by itself after a few seconds.
function continueTo(url, actions) {
  if (typeof url !== "string" || !url.startsWith("https://")) return false;
  actions.replaceChildren(el("a", { class: "button button--primary", id: "continue", href: url, rel: "noopener" }, t("Continue")));
  window.setTimeout(() => { window.location.assign(url); }, REDIRECT_DELAY_MS);
  return true;
}
