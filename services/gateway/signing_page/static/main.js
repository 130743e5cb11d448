// The signing page: load the summary, then show the one step that applies, in this order:
// a dead or unknown link → its state; locked by wrong codes; the one-time code; already done; not their turn;
// approve (approvers) or fill and sign (signers).
// Every view is drawn through `render`, so a change of language (i18n.js) draws the same view
// again in the new language; the signing view keeps what the signer entered (showSigning's `kept`).

import { api, token } from "./api.js";
import { announce, byId } from "./dom.js";
import { showDone } from "./after.js";
import { showApproval } from "./approve.js";
import { openDecline } from "./decline.js";
import { adoptLanguage, onLanguageChange, startLanguage, t } from "./i18n.js";
import { showOtp } from "./otp.js";
import { showSigning } from "./signing.js";
import { showState, stateOf } from "./states.js";
import { loadScriptFont } from "./textfit.js";

let redraw = () => undefined;

function render(draw) {
  redraw = draw;
  return draw();
}

function gone(error) {
  render(() => showState(stateOf(error), { onRetry: start }));
}

function declineHooks() {
  return {
    onDeclined: () => render(() => showState("declined")),
    onGone: gone,
  };
}

function titles(session) {
  document.title = t("%(document)s · Sign", { document: session.name });
  byId("doc-title").textContent = session.name;
}

function show(session) {
  titles(session);
  if (session.otpRequired && !session.otpVerified && session.otpLocked) {
    render(() => showState("otp-locked"));
    return;
  }
  if (session.otpRequired && !session.otpVerified) {
    render(() => showOtp(session, { onVerified: start, onGone: gone }));
    return;
  }
  const verb = session.signer.role === "approver" ? "approved" : "signed";
  const done = (outcome) => render(() => showDone(session, outcome, verb));
  if (session.signer.status === "completed") {
    done(null);
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
  const onDecline = () => openDecline(declineHooks());
  if (session.signer.role === "approver") {
    render(() => {
      announce(t("%(document)s is open. Read it, then approve or decline at the end.", { document: session.name }));
      showApproval(session, { onApproved: done, onGone: gone, onDecline });
    });
  } else {
    let view = null;
    render(() => {
      if (view) view.close();  // the field editor of the previous drawing
      announce(t("%(document)s is open. Read it, then fill in the highlighted fields.", { document: session.name }));
      view = showSigning(session, { onSigned: done, onGone: gone, onDecline }, view && view.kept);
    });
  }
}

let current = null;

onLanguageChange(() => {
  if (current) titles(current);
  redraw();
});

async function start() {
  const language = startLanguage();  // never fails: the page stays in English without its catalogue
  if (!token) {
    await language;
    render(() => showState("unknown"));
    return;
  }
  let session;
  try {
    const [answer] = await Promise.all([api.summary(), loadScriptFont(), language]);
    session = answer.data;
  } catch (error) {
    await language;
    gone(error);
    return;
  }
  current = session;
  await adoptLanguage(session.language);
  show(session);
}

start();
