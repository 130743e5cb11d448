// The input for each field type, shown in the field editor. Each control is labelled by the
// editor's heading (the field's name), reports every change through onChange(value), and
// returns { node, focus }.

import { attachmentControl } from "./attachment.js";
import { el, uniqueId } from "./dom.js";
import { textLimit } from "./fieldstate.js";
import { t } from "./i18n.js";
import { signatureControl } from "./signature.js";

const DESCRIBED = "editor-error";
const RULES = "editor-rules";  // the hint naming the field's rules (editor.js)
const MAX_IMAGE_BYTES = 512 * 1024;  // as services/documents/signing_validation.py

function common(state) {
  return {
    id: uniqueId("control"), "aria-labelledby": "editor-title",
    "aria-describedby": state.rules.hint() ? `${RULES} ${DESCRIBED}` : DESCRIBED,
    "aria-required": state.required ? "true" : undefined, "aria-invalid": state.error ? "true" : undefined,
  };
}

function textControl(state, onChange, { multiline = false, inputType = "text", inputmode, autocomplete } = {}) {
  const attrs = { ...common(state), ...state.rules.attributes(), class: "input",
    maxlength: Math.min(textLimit(state.field.type), state.rules.maxLength ?? Infinity),
    placeholder: state.field.placeholder || undefined, inputmode, autocomplete: autocomplete || "off" };
  const input = multiline ? el("textarea", { ...attrs, rows: 4 }) : el("input", { ...attrs, type: inputType });
  input.value = state.value ?? "";
  input.addEventListener("input", () => onChange(input.value));
  return { node: input, focus: () => input.focus() };
}

function checkboxControl(state, onChange) {
  const attrs = common(state);
  delete attrs["aria-labelledby"];
  const input = el("input", { ...attrs, type: "checkbox", class: "check__box" });
  input.checked = Boolean(state.value);
  input.addEventListener("change", () => onChange(input.checked));
  const text = state.field.placeholder || state.name;
  const node = el("label", { class: "check", for: attrs.id }, input, el("span", { text }));
  return { node, focus: () => input.focus() };
}

function choiceGroup(state, onChange, multiple) {
  const attrs = common(state);
  if (multiple) {
    // ARIA has no aria-required for a group of checkboxes: "Required" is read from the editor's
    // line above instead (a radiogroup takes aria-required).
    delete attrs["aria-required"];
    attrs["aria-describedby"] = `editor-meta ${attrs["aria-describedby"]}`;
  }
  const group = el("div", { ...attrs, role: multiple ? "group" : "radiogroup", class: "choices" });
  const name = uniqueId("choice");
  const inputs = (state.field.options || []).map((option) => {
    const input = el("input", { type: multiple ? "checkbox" : "radio", name, value: option, class: "check__box" });
    input.checked = multiple ? (state.value || []).includes(option) : state.value === option;
    input.addEventListener("change", () => {
      onChange(multiple ? inputs.filter((i) => i.checked).map((i) => i.value) : input.value);
    });
    group.append(el("label", { class: "check" }, input, el("span", { text: option })));
    return input;
  });
  return { node: group, focus: () => (inputs.find((i) => i.checked) || inputs[0])?.focus() };
}

function dropdownControl(state, onChange) {
  const select = el("select", { ...common(state), class: "input" },
    el("option", { value: "", text: state.field.placeholder || t("Choose an option") }),
    (state.field.options || []).map((option) => el("option", { value: option, text: option })));
  select.value = state.value ?? "";
  select.addEventListener("change", () => onChange(select.value || null));
  return { node: select, focus: () => select.focus() };
}

function imageControl(state, onChange) {
  const input = el("input", { ...common(state), type: "file", accept: "image/png,image/jpeg", class: "input" });
  const preview = el("img", { class: "image-preview", alt: "" });
  if (state.value) preview.src = state.value.image;
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) return;
    if (file.size > MAX_IMAGE_BYTES) {
      onChange(null, t("Choose an image of at most 512 KB"));
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      preview.src = reader.result;
      onChange({ type: "drawn", image: reader.result });
    });
    reader.readAsDataURL(file);
  });
  return { node: el("div", { class: "image-control" }, input, preview), focus: () => input.focus() };
}

// `context.copyFrom`: for signatures, an earlier signature of the same kind to offer for reuse.
export function buildControl(state, onChange, context = {}) {
  switch (state.field.type) {
    case "signature":
    case "initials":
      return signatureControl(state, { onChange, copyFrom: context.copyFrom });
    case "textarea":
    case "note":
    case "address":
      return textControl(state, onChange, { multiline: true });
    case "number":
      return textControl(state, onChange, { inputmode: "decimal" });
    case "date":
      return textControl(state, onChange, { inputType: "date" });
    case "phone":
      return textControl(state, onChange, { inputType: "tel", autocomplete: "tel" });
    case "company":
      return textControl(state, onChange, { autocomplete: "organization" });
    case "checkbox":
    case "approval":
      return checkboxControl(state, onChange);
    case "checkbox_group":
      return choiceGroup(state, onChange, true);
    case "radio_group":
      return choiceGroup(state, onChange, false);
    case "dropdown":
      return dropdownControl(state, onChange);
    case "stamp":
    case "image":
      return imageControl(state, onChange);
    case "attachment":
      return attachmentControl(state, onChange, common(state));
    default:
      return textControl(state, onChange);
  }
}
