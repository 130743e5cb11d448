// The approver's view: the document (their name and date boxes shown as the server will fill
// them), and Approve instead of fields to fill.

import { api } from "./api.js";
import { announce, el, replaceView } from "./dom.js";
import { FieldState, inReadingOrder } from "./fieldstate.js";
import { t } from "./i18n.js";
import { introCard } from "./intro.js";
import { PageView } from "./pages.js";

// hooks: onApproved(outcome), onGone(apiError), onDecline()
export function showApproval(session, hooks) {
  const states = inReadingOrder(session.fields).map((field) => new FieldState(field, session.signer));
  const pages = new PageView(session, states, { onActivate: () => undefined, interactive: false });
  const error = el("p", { class: "error", id: "approve-error", "aria-live": "assertive" });
  const button = el("button", { type: "button", id: "approve", class: "button button--primary button--large" }, t("Approve"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = t("Approving…");
    error.textContent = "";
    announce(t("Sending your approval…"));
    try {
      const outcome = await api.approve();
      hooks.onApproved(outcome.data);
    } catch (err) {
      button.disabled = false;
      button.textContent = t("Approve");
      if ([403, 404, 409, 410].includes(err.status)) hooks.onGone(err);
      else error.textContent = t("We couldn't send your approval. Check your connection and try again.");
    }
  });
  const card = el("section", { class: "card finish", "aria-labelledby": "approve-title" },
    el("h2", { id: "approve-title", text: t("Approve this document") }),
    el("p", { text: t("By approving, you confirm that you have reviewed this document and that it may go ahead. Your name and the date are added where the document shows them.") }),
    error,
    el("div", { class: "card__actions" }, button,
      el("button", { type: "button", class: "button button--quiet", onclick: hooks.onDecline }, t("Decline"))));
  const intro = introCard(session, {
    heading: t("Review and approve"),
    instructions: t("Read the document, then approve or decline at the end."),
    onStart: () => { card.scrollIntoView({ block: "start" }); button.focus(); }, startLabel: t("Go to approve"),
    onDecline: hooks.onDecline,
  });
  replaceView(intro, pages.root, card);
}
