// The signing page: load the summary, then show the one step that applies, in this order:
// a dead or unknown link → its state; locked by wrong codes; the one-time code; already done; not their turn;
// approve (approvers) or fill and sign (signers).

import { api, token } from "./api.js";
import { announce, el } from "./dom.js";
import { showDone } from "./after.js";
import { showApproval } from "./approve.js";
import { openDecline } from "./decline.js";
import { idsOf, notifyParent } from "./embed.js";
import { showOtp } from "./otp.js";
import { continueTo } from "./redirect.js";
import { showSigning } from "./signing.js";
import { showState, stateOf, stateOfLink } from "./states.js";
import { loadScriptFont } from "./textfit.js";
import { showSender } from "./trust.js";

let current = null;  // the session shown, once the summary has loaded

function gone(error) {
  const kind = stateOf(error);
  showState(kind, { onRetry: start });
  notifyParent("error", { ...idsOf(current), error: kind });
}

function declineHooks(session) {
  return {
    onDeclined: () => {
      const card = showState("declined");
      notifyParent("declined", idsOf(session));
      const actions = el("div", { class: "card__actions" });
      if (continueTo(session.redirectUrl, actions)) card.append(actions);
    },
    onGone: gone,
  };
}

function finished(session, verb) {
  return (outcome) => {
    showDone(session, outcome, verb);
    notifyParent("signed", { ...idsOf(session), role: session.signer.role });
  };
}

function show(session) {
  // Once per page: a verified code or "Check again" loads the summary again.
  if (current === null) notifyParent("loaded", idsOf(session));
  current = session;
  document.title = `${session.name} · Sign`;
  showSender(session);
  if (session.otpRequired && !session.otpVerified && session.otpLocked) {
    showState("otp-locked");
    notifyParent("error", { ...idsOf(session), error: "otp-locked" });
    return;
  }
  if (session.otpRequired && !session.otpVerified) {
    showOtp(session, { onVerified: start, onGone: gone });
    return;
  }
  const verb = session.signer.role === "approver" ? "approved" : "signed";
  if (session.signer.status === "completed") {
    showDone(session, null, verb);
    return;
  }
  if (session.signer.status === "declined") {
    showState("signer-declined");
    return;
  }
  if (!session.isTurn) {
    showState("not-your-turn", { onRetry: start });
    return;
  }
  const onDecline = () => openDecline(declineHooks(session));
  if (session.signer.role === "approver") {
    announce(`${session.name} is open. Read it, then approve or decline at the end.`);
    showApproval(session, { onApproved: finished(session, verb), onGone: gone, onDecline });
  } else {
    announce(`${session.name} is open. Read it, then fill in the highlighted fields.`);
    showSigning(session, { onSigned: finished(session, verb), onGone: gone, onDecline });
  }
}

async function start() {
  if (!token) {
    showState("unknown");
    notifyParent("error", { error: "unknown" });
    return;
  }
  let session;
  try {
    // The link's state first: a dead link is answered 200 there, so its page logs no error.
    const [link] = await Promise.all([api.state(), loadScriptFont()]);
    if (link.data.state !== "open") {
      showState(stateOfLink(link.data), { onRetry: start });
      // An embedding parent hears why the page cannot be signed, as when the summary refuses.
      notifyParent("error", { ...idsOf(current), error: link.data.state });
      return;
    }
    session = (await api.summary()).data;
  } catch (error) {
    gone(error);
    return;
  }
  show(session);
}

start();
