// The fields as a list of large buttons, for touch screens and narrow windows (signing.css shows
// it there only). On a phone a field's box is drawn at the PDF's scale, often 11 px tall; each
// button here is at least 44 x 44 CSS px, names the field in full (wrapping, never clipped) and
// opens the same editor as the box, without covering any of the document.

import { el } from "./dom.js";
import { displayText } from "./format.js";
import { t } from "./i18n.js";

function statusText(state) {
  if (state.error) return t("Needs attention");
  if (state.filled) {
    const { value } = state;
    if (value && typeof value === "object" && value.type === "drawn") return t("Signed");
    if (value === true) return t("Ticked");
    return displayText(state.field, value) || t("Done");
  }
  return state.required ? t("Required") : t("Optional");
}

// steps: the writable FieldStates in reading order. onActivate(state): open the editor on it.
export function fieldList(steps, { onActivate }) {
  const items = new Map();
  const list = el("ol", { class: "fieldlist__items" });
  for (const state of steps) {
    const status = el("span", { class: "fieldlist__status" });
    const button = el("button", {
      type: "button", class: "fieldlist__item", "data-list-field-id": state.id, onclick: () => onActivate(state),
    }, el("span", { class: "fieldlist__name", text: state.name }),
    el("span", { class: "fieldlist__page", text: t("Page %(page)s", { page: state.field.page }) }), status);
    items.set(state.id, { button, status });
    list.append(el("li", {}, button));
  }
  const root = el("section", { class: "card fieldlist", id: "field-list", "aria-labelledby": "field-list-title" },
    el("h2", { id: "field-list-title", text: t("Fields to fill in") }), list);

  function refresh(state) {
    const item = items.get(state.id);
    if (!item) return;
    item.status.textContent = statusText(state);
    item.button.classList.toggle("is-required", state.required && !state.filled);
    item.button.classList.toggle("is-filled", state.filled);
    item.button.classList.toggle("is-invalid", Boolean(state.error));
    // No aria-label: the button's own text (name, page, state) is its accessible name, so what a
    // screen reader says is what a sighted user reads (WCAG 2.5.3, axe's label-content-name-mismatch).
  }
  steps.forEach(refresh);
  return { root: steps.length ? root : null, refresh };
}
