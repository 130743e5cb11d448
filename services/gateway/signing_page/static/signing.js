// The signer's view: the document with their fields, the guide (progress and "Next field"), the
// field editor and the finish card; Finish posts every value to POST …/sign.

import { api } from "./api.js";
import { announce, byId, el, replaceView } from "./dom.js";
import { Editor } from "./editor.js";
import { FieldState, inReadingOrder } from "./fieldstate.js";
import { fieldList } from "./fieldlist.js";
import { finishCard } from "./finish.js";
import { evaluateFormula } from "./formula.js";
import { t } from "./i18n.js";
import { introCard } from "./intro.js";
import { PageView } from "./pages.js";

function scrollToBox(box) {
  // Into the upper part of the screen: the editor panel covers the lower part.
  const top = box.getBoundingClientRect().top + window.scrollY - window.innerHeight * 0.2;
  window.scrollTo({ top: Math.max(0, top) });
}

// hooks: onSigned(outcome), onGone(apiError), onDecline(). kept: what an earlier drawing of this
// view returned as `kept` (the page is drawn again when the language changes): the values entered
// and the consent box carry over.
export function showSigning(session, hooks, kept = null) {
  const uploads = new Map((session.attachments || []).filter((a) => a.fieldId).map((a) => [a.fieldId, a]));
  const states = inReadingOrder(session.fields).map((field) => new FieldState(field, session.signer,
    { upload: uploads.get(field.id), maxBytes: session.attachmentMaxBytes }));
  for (const state of states) {
    const before = kept && kept.states.get(state.id);
    if (!before) continue;
    state.value = before.value;
    // Our own checks speak the new language; a message from the server stays as it was given.
    state.error = before.error ? (state.invalidReason() || before.error) : "";
  }
  const steps = states.filter((state) => !state.auto);
  const required = steps.filter((state) => state.required);
  const formulas = states.filter((state) => state.field.type === "formula" && state.field.formula);
  let lastDone = -1;

  // Formula boxes follow the numbers as they are typed; the server computes what is stamped.
  function computeFormulas() {
    if (!formulas.length) return;
    const numbers = new Map(steps
      .filter((state) => state.field.type === "number" && state.filled)
      .map((state) => [state.id, state.payload()]));
    for (const state of formulas) {
      state.value = evaluateFormula(state.field.formula, numbers);
      pages.refresh(state);
    }
  }

  const pages = new PageView(session, states, { onActivate: (state) => editor.open(state) });
  const list = fieldList(steps, { onActivate: (state) => editor.open(state) });
  const finish = finishCard({ onFinish: submit, onDecline: hooks.onDecline });
  const editor = new Editor(steps, {
    onChange(state, value, error) {
      state.value = value;
      state.error = error || state.invalidReason();
      editor.showError(state.error);
      pages.refresh(state, { active: true });
      list.refresh(state);
      computeFormulas();
      update();
    },
    onMove(state) {
      for (const other of steps) if (other !== state) pages.refresh(other);
      pages.refresh(state, { active: true });
      scrollToBox(pages.box(state));
    },
    onClose(state, toFinish) {
      if (state) pages.refresh(state);
      if (toFinish) goToFinish();
      else if (state) pages.box(state).focus();
    },
    copySource(state) {
      const earlier = steps.find((other) => other !== state && other.field.type === state.field.type && other.filled);
      return earlier ? { value: earlier.value, label: t("Use the same %(field)s as on page %(page)s", { field: state.name.toLowerCase(), page: earlier.field.page }) } : null;
    },
  });

  function remaining() {
    return required.filter((state) => !state.filled).length;
  }

  function goToFinish() {
    finish.card.scrollIntoView({ block: "start" });
    finish.focus();
  }

  // The guide: the next required field still empty after the current one, then the finish card.
  function next() {
    const from = editor.current ? steps.indexOf(editor.current) : -1;
    const ordered = [...steps.slice(from + 1), ...steps.slice(0, from + 1)];
    const target = ordered.find((state) => state.required && !state.filled);
    if (target) editor.open(target);
    else {
      if (editor.isOpen) editor.close({ toFinish: true });
      else goToFinish();
    }
  }

  function update() {
    const left = remaining();
    const done = required.length - left;
    byId("progress-text").textContent = t("%(done)s of %(total)s required fields done", { done, total: required.length });
    byId("progress-bar").style.setProperty("width", `${required.length ? (done / required.length) * 100 : 100}%`);
    byId("next-field").textContent = left ? t("Next field") : t("Go to finish");
    finish.update(left);
    if (lastDone >= 0 && done !== lastDone) {
      announce(left
        ? t("%(done)s of %(total)s required fields done.", { done, total: required.length })
        : t("All required fields are done. Agree and finish at the end of the document."));
    }
    lastDone = done;
  }

  function showServerErrors(errors) {
    let first = null;
    for (const error of errors) {
      if (error.field === "consent") finish.showError(t("Tick the box to agree to do business electronically."));
      const id = error.field.startsWith("fields.") ? error.field.slice(7) : null;
      const state = id && steps.find((candidate) => candidate.id === id);
      if (state) {
        state.error = error.message;
        pages.refresh(state);
        list.refresh(state);
        first = first || state;
      }
    }
    if (first) editor.open(first);
    update();
  }

  async function submit() {
    if (!finish.update(remaining())) return;
    if (editor.isOpen) editor.close();
    finish.busy(true);
    finish.showError("");
    announce(t("Sending your signature…"));
    const values = steps.map((state) => ({ id: state.id, value: state.payload() })).filter((v) => v.value !== undefined);
    try {
      const outcome = await api.sign(finish.consent.checked, values);
      hooks.onSigned(outcome.data);
      return;
    } catch (err) {
      finish.busy(false);
      if (err.status === 422) {
        finish.showError(t("Some fields need attention. They are marked on the document."));
        announce(t("Some fields need attention."));
        showServerErrors(err.errors);
      } else if ([403, 404, 409, 410].includes(err.status)) {
        hooks.onGone(err);
      } else {
        finish.showError(err.status === 0
          ? t("We couldn't reach the server. Check your connection and select Finish again.")
          : t("Something went wrong while signing. Please select Finish again."));
        update();
      }
    }
  }

  finish.consent.addEventListener("change", () => {
    finish.showError("");
    update();
  });
  byId("next-field").onclick = next;
  byId("guide").hidden = false;

  const intro = introCard(session, {
    heading: t("Review and sign"),
    instructions: t("Select each highlighted box on the document to fill it in, or use Next field to go through them in order. Then agree and finish at the end."),
    onStart: next, startLabel: t("Start"), onDecline: hooks.onDecline,
  });
  if (kept && kept.consent()) finish.consent.checked = true;
  replaceView(intro, list.root, pages.root, finish.card);
  computeFormulas();
  update();
  return {
    close: () => { if (editor.isOpen) editor.close(); },
    kept: { states: new Map(states.map((state) => [state.id, state])), consent: () => finish.consent.checked },
  };
}
