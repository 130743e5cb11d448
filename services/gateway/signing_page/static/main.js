// The signing page: load the summary, then show the one step that applies, in this order:
// a dead or unknown link → its state; locked by wrong codes; the one-time code; already done; not their turn;
// approve (approvers) or fill and sign (signers).
// Every view is drawn through `render`, so a change of language (i18n.js) draws the same view
// again in the new language; the signing view keeps what the signer entered (showSigning's `kept`).

import { api, token } from "./api.js";
import { announce, el } from "./dom.js";
import { showDone } from "./after.js";
import { showApproval } from "./approve.js";
import { openDecline } from "./decline.js";
import { idsOf, notifyParent } from "./embed.js";
import { adoptLanguage, onLanguageChange, startLanguage, t } from "./i18n.js";
import { showOtp } from "./otp.js";
import { continueTo } from "./redirect.js";
import { showSigning } from "./signing.js";
import { showState, stateOf, stateOfLink } from "./states.js";
import { loadScriptFont } from "./textfit.js";
import { showSender } from "./trust.js";

let current = null;  // the session shown, once the summary has loaded

let redraw = () => undefined;

function render(draw) {
  redraw = draw;
  return draw();
}

function gone(error) {
  const kind = stateOf(error);
  render(() => showState(kind, { onRetry: start }));
  notifyParent("error", { ...idsOf(current), error: kind });
}

function declineHooks(session) {
  return {
    onDeclined: () => {
      notifyParent("declined", idsOf(session));
      render(() => {
        const card = showState("declined");
        const actions = el("div", { class: "card__actions" });
        if (continueTo(session.redirectUrl, actions)) card.append(actions);
      });
    },
    onGone: gone,
  };
}

// The texts of the top bar and the title that follow the language: the tab's title, the sender
// line and the page count (trust.js).
function titles(session) {
  document.title = t("%(document)s · Sign", { document: session.name });
  showSender(session);
}

function finished(session, verb) {
  return (outcome) => {
    render(() => showDone(session, outcome, verb));
    notifyParent("signed", { ...idsOf(session), role: session.signer.role });
  };
}

function show(session) {
  // Once per page: a verified code or "Check again" loads the summary again.
  if (current === null) notifyParent("loaded", idsOf(session));
  current = session;
  titles(session);
  if (session.otpRequired && !session.otpVerified && session.otpLocked) {
    render(() => showState("otp-locked"));
    notifyParent("error", { ...idsOf(session), error: "otp-locked" });
    return;
  }
  if (session.otpRequired && !session.otpVerified) {
    render(() => showOtp(session, { onVerified: start, onGone: gone }));
    return;
  }
  const verb = session.signer.role === "approver" ? "approved" : "signed";
  if (session.signer.status === "completed") {
    render(() => showDone(session, null, verb));
    return;
  }
  if (session.signer.status === "declined") {
    render(() => showState("signer-declined"));
    return;
  }
  if (!session.isTurn) {
    render(() => showState("not-your-turn", { onRetry: start }));
    return;
  }
  const onDecline = () => openDecline(declineHooks(session));
  if (session.signer.role === "approver") {
    render(() => {
      announce(t("%(document)s is open. Read it, then approve or decline at the end.", { document: session.name }));
      showApproval(session, { onApproved: finished(session, verb), onGone: gone, onDecline });
    });
  } else {
    let view = null;
    render(() => {
      if (view) view.close();  // the field editor of the previous drawing
      announce(t("%(document)s is open. Read it, then fill in the highlighted fields.", { document: session.name }));
      view = showSigning(session, { onSigned: finished(session, verb), onGone: gone, onDecline }, view && view.kept);
    });
  }
}

onLanguageChange(() => {
  if (current) titles(current);
  redraw();
});

async function start() {
  const language = startLanguage();  // never fails: the page stays in English without its catalogue
  if (!token) {
    await language;
    render(() => showState("unknown"));
    notifyParent("error", { error: "unknown" });
    return;
  }
  let session;
  try {
    // The link's state first: a dead link is answered 200 there, so its page logs no error.
    const [link] = await Promise.all([api.state(), loadScriptFont(), language]);
    if (link.data.state !== "open") {
      await adoptLanguage(link.data.language);
      render(() => showState(stateOfLink(link.data), { onRetry: start }));
      // An embedding parent hears why the page cannot be signed, as when the summary refuses.
      notifyParent("error", { ...idsOf(current), error: link.data.state });
      return;
    }
    session = (await api.summary()).data;
  } catch (error) {
    await language;
    gone(error);
    return;
  }
  await adoptLanguage(session.language);
  show(session);
}

start();
