// The card above the document: who is asked to do what, the sender's message, and the ways out
// (read the PDF elsewhere, decline).

import { attachmentUrl, fileUrl } from "./api.js";
import { el } from "./dom.js";
import { formatDate } from "./format.js";
import { t } from "./i18n.js";
import { deliveryLine } from "./trust.js";

export function introCard(session, { heading, instructions, onStart, startLabel, onDecline }) {
  const { signer } = session;
  const deadline = session.expiresAt
    ? el("p", { class: "deadline", text: t("Please respond by %(date)s.", { date: formatDate(session.expiresAt.slice(0, 10)) }) })
    : null;
  const message = session.message
    ? el("figure", { class: "message" },
      el("figcaption", { text: t("Message from the sender") }),
      el("blockquote", { text: session.message }))
    : null;
  return el("section", { class: "card intro", "aria-labelledby": "intro-title" },
    el("h2", { id: "intro-title", text: heading }),
    el("p", {}, signer.role === "approver"
      ? t("%(name)s, you have been asked to approve “%(document)s”.", { name: signer.name, document: session.name })
      : t("%(name)s, you have been asked to sign “%(document)s”.", { name: signer.name, document: session.name })),
    deliveryLine(session),
    deadline,
    message,
    attachmentList(session.attachments || []),
    el("p", { class: "hint", text: instructions }),
    el("div", { class: "card__actions" },
      onStart ? el("button", { type: "button", class: "button button--primary", id: "start", onclick: onStart }, startLabel) : null,
      el("a", { class: "button", href: fileUrl, download: "" }, t("Download PDF")),
      el("button", { type: "button", class: "button button--quiet", id: "decline-open", onclick: onDecline },
        signer.role === "approver" ? t("Decline") : t("Decline to sign"))));
}

// Files sent along with the document: to read, not to sign. Each is a PDF (images were converted).
function attachmentList(attachments) {
  if (!attachments.length) return null;
  return el("section", { class: "attachments", id: "attachments", "aria-labelledby": "attachments-title" },
    el("h3", { id: "attachments-title", text: t("Attached files (no signature needed)") }),
    el("ul", {}, ...attachments.map((a) =>
      el("li", {},
        el("a", { href: attachmentUrl(a.id), download: "", "data-attachment": a.id }, a.fileName),
        " ", t("(PDF, %(size)s KB)", { size: Math.max(1, Math.round(a.fileSize / 1024)) })))));
}
