// Trust cues: who is asking and how the link arrived, so a signer can tell a real request from a
// copy. In the top bar: the organisation's logo and name and the sender's name; beside the
// title: the page count. In the intro card: the address the link was emailed to (masked by the
// server) and by whom. Everything comes from the signing session; nothing here is a secret.

import { byId, el } from "./dom.js";
import { t } from "./i18n.js";

function who(sender) {
  return (sender && (sender.orgName || sender.name)) || "";
}

export function pagesText(count) {
  return count === 1 ? t("1 page") : t("%(count)s pages", { count });
}

// The top bar's sender line and the document's page count.
export function showSender(session) {
  const { sender } = session;
  const bar = document.querySelector(".topbar__inner");
  const old = byId("sender");
  if (old) old.remove();
  if (sender && (sender.orgName || sender.name)) {
    const logo = sender.logoUrl
      ? el("img", { class: "sender__logo", id: "sender-logo", src: sender.logoUrl, alt: sender.orgName ? t("%(organisation)s logo", { organisation: sender.orgName }) : t("Logo") })
      : null;
    const from = sender.orgName && sender.name
      ? [el("strong", { class: "sender__org", text: sender.orgName }), el("span", { class: "sender__name", text: ` · ${t("sent by %(name)s", { name: sender.name })}` })]
      : [el("strong", { class: "sender__org", text: who(sender) })];
    bar.prepend(el("div", { class: "sender", id: "sender" }, logo, el("p", { class: "sender__text" }, ...from)));
  }
  const title = byId("doc-title");
  title.replaceChildren(session.name, el("span", { class: "doc-title__pages", id: "doc-pages", text: ` · ${pagesText(session.pageCount)}` }));
}

// "You received this link by email at j***@example.com from Acme Ltd."
export function deliveryLine(session) {
  if (!session.sentTo) return null;
  const from = who(session.sender);
  return el("p", { class: "delivery hint", id: "delivery" },
    from
      ? t("You received this link by email at %(address)s from %(sender)s.", { address: session.sentTo, sender: from })
      : t("You received this link by email at %(address)s.", { address: session.sentTo }));
}
