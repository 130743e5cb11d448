// The page's end states and error states: a heading, a sentence a person can act on, and at most
// a button or a link. Never a stack trace, never a raw error message.

import { downloadUrl } from "./api.js";
import { announce, el, focusHeading, replaceView } from "./dom.js";
import { t } from "./i18n.js";

// A function, so each drawing reads the current language.
const states = () => ({
  "unknown": {
    title: t("This link isn't valid"),
    text: t("The link may be incomplete, or the sender may have sent you a newer one. Open the latest email you received, or ask the sender for a new link."),
  },
  "document-cancelled": {
    title: t("This document was cancelled"),
    text: t("The sender cancelled this document, so there is nothing left to sign. You can close this page."),
  },
  "document-expired": {
    title: t("This document has expired"),
    text: t("The deadline for signing has passed. If you still need to sign, ask the sender to send it again."),
  },
  "document-declined": {
    title: t("This document was declined"),
    text: t("Someone declined to sign this document, so signing has stopped. You can close this page."),
  },
  "document-completed": {
    title: t("This document is complete"),
    text: t("Everyone has signed this document."),
    download: true,
  },
  // Completed, but the signed copy is no longer kept for download (SIGNED_COPY_RETENTION_DAYS).
  "download-expired": {
    title: t("This document is complete"),
    text: t("Everyone has signed this document. The signed PDF could be downloaded here for a limited time after signing, and that time has passed. Use the copy we emailed you, or ask the sender for one."),
  },
  // Completed a moment ago: the signed PDF is still being built.
  "download-preparing": {
    title: t("This document is complete"),
    text: t("Everyone has signed this document. We are preparing the signed PDF; check again in a moment."),
    retry: t("Check again"),
  },
  "document-on-hold": {
    title: t("Signing is paused"),
    text: t("The sender must fix a problem with this document before signing can continue. Please try again later."),
    retry: t("Check again"),
  },
  "not-your-turn": {
    title: t("It's not your turn yet"),
    text: t("Other people need to sign before you. We'll email you when it's your turn."),
    retry: t("Check again"),
  },
  "signer-completed": {
    title: t("You have already signed"),
    text: t("You have already signed this document. We'll email you when everyone has signed."),
  },
  "signer-declined": {
    title: t("You declined this document"),
    text: t("You have declined to sign this document. You can close this page."),
  },
  "declined": {
    title: t("You declined to sign"),
    text: t("The sender has been told. You can close this page."),
  },
  "otp-locked": {
    title: t("This link is locked"),
    text: t("Too many incorrect codes were entered, so for your security no more codes can be sent or checked. Contact the sender (reply to their email) and ask them to send you the link again."),
  },
  "unavailable": {
    title: t("We couldn't load this document"),
    text: t("Check your internet connection and try again. If this keeps happening, try again in a few minutes."),
    retry: t("Try again"),
  },
});

// Which state an API error means.
export function stateOf(error) {
  if (error.status === 404) return "unknown";
  if (states()[error.slug]) return error.slug;
  return "unavailable";
}

// Which state a link's answer from GET …/state means ("open" is none: the page opens the document).
export function stateOfLink(link) {
  if (link.state === "document-completed" && link.download === "expired") return "download-expired";
  if (link.state === "document-completed" && link.download === "preparing") return "download-preparing";
  return states()[link.state] ? link.state : "unavailable";
}

export function downloadLink() {
  return el("a", { class: "button button--primary", href: downloadUrl, download: "", id: "download-link" },
    t("Download the signed PDF"));
}

// Replace the page with a state. `onRetry` reloads when the state offers a retry.
export function showState(kind, { onRetry } = {}) {
  const all = states();
  const state = all[kind] || all.unavailable;
  const actions = el("div", { class: "card__actions" });
  if (state.download) actions.append(downloadLink());
  if (state.retry && onRetry) {
    actions.append(el("button", { type: "button", class: "button", onclick: onRetry }, state.retry));
  }
  const card = el("section", { class: `card card--state state-${kind}`, "data-state": kind },
    el("h2", { text: state.title }),
    el("p", { text: state.text }),
    actions.childElementCount ? actions : null);
  document.getElementById("guide").hidden = true;
  replaceView(card);
  focusHeading(card);
  announce(state.title);
  return card;
}
