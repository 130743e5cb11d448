// After signing or declining: the signer's redirectUrl (their own, else the document's, else the
// campaign's; https only, checked when it was saved and again here) as a Continue link, which
// the page follows by itself after a few seconds, long enough for a screen reader to announce
// the outcome. In an embedding parent's frame, the frame goes there.

import { el } from "./dom.js";
import { t } from "./i18n.js";

const REDIRECT_DELAY_MS = 4000;

function safeUrl(url) {
  if (typeof url !== "string" || !url.startsWith("https://")) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" && !parsed.username && !parsed.password ? parsed.href : null;
  } catch {
    return null;
  }
}

// Put the Continue link into `actions` (replacing what is there) and schedule the redirect;
// false when there is nowhere to go.
export function continueTo(url, actions) {
  const href = safeUrl(url);
  if (!href) return false;
  actions.replaceChildren(el("a", { class: "button button--primary", id: "continue", href, rel: "noopener" }, t("Continue")));
  window.setTimeout(() => { window.location.assign(href); }, REDIRECT_DELAY_MS);
  return true;
}
