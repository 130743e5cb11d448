// The control of an `attachment` field: the signer chooses a file and it is uploaded at once
// through the signing API (POST …/fields/{id}/attachment); the server judges it like every upload
// and its refusal is shown as it says it. Uploading again replaces the file. The field's value is
// then { type: "attachment", id, fileName }: nothing is sent for it on signing (the server has it).

import { api } from "./api.js";
import { el, uniqueId } from "./dom.js";
import { t } from "./i18n.js";

// As the server takes them (services/documents upload judging: PDF, JPG, PNG or WebP by content).
const ACCEPT = "application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png,image/webp,.webp";

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

export function attachmentValue(upload) {
  return { type: "attachment", id: upload.id, fileName: upload.fileName };
}

// state.maxBytes: the server's limit (ATTACHMENT_MAX_BYTES, from the session).
export function attachmentControl(state, onChange, attrs) {
  const hintId = uniqueId("hint");
  const hint = el("p", { class: "hint", id: hintId, text: state.maxBytes
    ? t("A PDF, JPG, PNG or WebP file, up to %(size)s.", { size: formatBytes(state.maxBytes) })
    : t("A PDF, JPG, PNG or WebP file.") });
  const input = el("input", { ...attrs, type: "file", accept: ACCEPT, class: "visually-hidden", tabindex: "-1",
    "aria-describedby": `${hintId} ${attrs["aria-describedby"]}` });
  const name = el("p", { class: "attachment__name", "aria-live": "polite" });
  const choose = el("button", { type: "button", class: "button", onclick: () => input.click() });

  function show(value, busy = false, error = "") {
    if (error) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    name.textContent = busy ? t("Uploading…") : (value ? t("Attached: %(file)s", { file: value.fileName }) : t("No file chosen yet"));
    choose.textContent = value ? t("Replace file") : t("Choose a file");
    choose.disabled = busy;
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.value = "";  // choosing the same file again must upload it again
    if (!file) return;
    const kept = state.value;
    if (state.maxBytes && file.size > state.maxBytes) {
      const message = t("This file is too large: choose one of at most %(size)s.", { size: formatBytes(state.maxBytes) });
      show(kept, false, message);
      onChange(kept, message);
      return;
    }
    show(kept, true);
    try {
      const answer = await api.uploadAttachment(state.id, file);
      const value = attachmentValue(answer.data);
      show(value);
      onChange(value);
    } catch (err) {
      const message = err.status === 0
        ? t("We couldn't reach the server. Check your connection and choose the file again.")
        : err.message;
      show(kept, false, message);
      onChange(kept, message);
    }
  });
  show(state.value);
  const node = el("div", { class: "attachment" }, hint, input, el("div", { class: "attachment__row" }, name, choose));
  return { node, focus: () => choose.focus() };
}
