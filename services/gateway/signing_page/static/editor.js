// The field editor: a panel docked at the bottom of the screen holding the input for the field
// being filled, with Previous / Next to move through the fields in reading order. The box on the
// page stays visible above it; closing the panel returns focus to that box.

import { byId } from "./dom.js";
import { t } from "./i18n.js";
import { buildControl } from "./controls.js";

export class Editor {
  // steps: the writable FieldStates in order. hooks: onChange(state, value, error), onMove(state),
  // onClose(state), copySource(state) → an earlier state to offer for reuse, or null.
  constructor(steps, hooks) {
    this.steps = steps;
    this.hooks = hooks;
    this.current = null;
    this.panel = byId("editor");
    byId("editor-prev").onclick = () => this.move(-1);
    byId("editor-next").onclick = () => this.move(1);
    byId("editor-close").onclick = () => this.close();
    this.panel.onkeydown = (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    };
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  open(state) {
    this.current = state;
    const index = this.steps.indexOf(state);
    byId("editor-title").textContent = state.name;
    const position = { number: index + 1, total: this.steps.length };
    byId("editor-meta").textContent = state.required
      ? t("Required · field %(number)s of %(total)s", position)
      : t("Optional · field %(number)s of %(total)s", position);
    const control = buildControl(state, (value, error) => this.hooks.onChange(state, value, error || ""),
      { copyFrom: this.hooks.copySource(state) });
    const rules = state.rules.hint();
    byId("editor-rules").textContent = rules;
    byId("editor-rules").hidden = !rules;
    byId("editor-body").replaceChildren(control.node);
    this.showError(state.error);
    byId("editor-prev").disabled = index <= 0;
    byId("editor-next").textContent = index >= this.steps.length - 1 ? t("Done") : t("Next");
    this.panel.hidden = false;
    document.body.classList.add("has-editor");
    this.hooks.onMove(state);
    control.focus();
  }

  showError(message) {
    byId("editor-error").textContent = message || "";
  }

  move(delta) {
    const index = this.steps.indexOf(this.current) + delta;
    if (index < 0) return;
    if (index >= this.steps.length) {
      this.close({ toFinish: true });
      return;
    }
    this.open(this.steps[index]);
  }

  close({ toFinish = false } = {}) {
    const state = this.current;
    this.panel.hidden = true;
    document.body.classList.remove("has-editor");
    this.current = null;
    this.hooks.onClose(state, toFinish);
  }
}
