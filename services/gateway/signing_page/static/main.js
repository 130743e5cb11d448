// The signing page: load the summary, then show the one step that applies, in this order:
// a dead or unknown link → its state; locked by wrong codes; the one-time code; already done; not their turn;
// approve (approvers) or fill and sign (signers).

import { api, token } from "./api.js";
import { announce } from "./dom.js";
import { showDone } from "./after.js";
import { showApproval } from "./approve.js";
import { openDecline } from "./decline.js";
import { showOtp } from "./otp.js";
import { showSigning } from "./signing.js";
import { showState, stateOf, stateOfLink } from "./states.js";
import { loadScriptFont } from "./textfit.js";
import { showSender } from "./trust.js";

function gone(error) {
  showState(stateOf(error), { onRetry: start });
}

function declineHooks() {
  return {
    onDeclined: () => showState("declined"),
    onGone: gone,
  };
}

function show(session) {
  document.title = `${session.name} · Sign`;
  showSender(session);
  if (session.otpRequired && !session.otpVerified && session.otpLocked) {
    showState("otp-locked");
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
  const onDecline = () => openDecline(declineHooks());
  if (session.signer.role === "approver") {
    announce(`${session.name} is open. Read it, then approve or decline at the end.`);
    showApproval(session, { onApproved: (outcome) => showDone(session, outcome, verb), onGone: gone, onDecline });
  } else {
    announce(`${session.name} is open. Read it, then fill in the highlighted fields.`);
    showSigning(session, { onSigned: (outcome) => showDone(session, outcome, verb), onGone: gone, onDecline });
  }
}

async function start() {
  if (!token) {
    showState("unknown");
    return;
  }
  let session;
  try {
    // The link's state first: a dead link is answered 200 there, so its page logs no error.
    const [link] = await Promise.all([api.state(), loadScriptFont()]);
    if (link.data.state !== "open") {
      showState(stateOfLink(link.data), { onRetry: start });
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
