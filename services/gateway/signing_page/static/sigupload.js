// Signing with a picture: the signer chooses a photo or scan of their signature and the server
// cleans it (POST …/fields/{id}/signature-image: checked like any upload, background removed,
// trimmed, scaled for the box, re-encoded). Its answer is a drawn value, sent with Finish as a
// drawing is; nothing is kept on the server until then.

import { api } from "./api.js";
import { el, uniqueId } from "./dom.js";
import { t } from "./i18n.js";

// As SIGNATURE_UPLOAD_MAX_BYTES' default; the server decides (413 past its own limit).
const MAX_BYTES = 5 * 1024 * 1024;
const ACCEPT = "image/png,.png,image/jpeg,.jpg,.jpeg";

export function uploadPad(state, onChange) {
  const hintId = uniqueId("hint");
  // Hidden behind the button, but still a form control: named by the field's title, as every
  // other control of the editor is, so assistive technology never meets an unnamed file input.
  const input = el("input", {
    type: "file", accept: ACCEPT, class: "visually-hidden", tabindex: "-1", id: uniqueId("signature-file"),
    "aria-labelledby": "editor-title", "aria-describedby": `${hintId} editor-error`,
  });
  const choose = el("button", { type: "button", class: "button", id: "signature-choose", onclick: () => input.click() });
  const status = el("p", { class: "upload__status", "aria-live": "polite" });
  const preview = el("img", { class: "image-preview signature-upload__preview", alt: t("Your uploaded signature") });

  function show(value, busy = false) {
    choose.textContent = value ? t("Choose another image") : t("Choose an image");
    choose.disabled = busy;
    status.textContent = busy ? t("Preparing your signature…") : (value ? t("This is how your signature will appear.") : "");
    if (value) preview.src = value.image;
    else preview.removeAttribute("src");
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.value = "";  // choosing the same file again must send it again
    if (!file) return;
    if (file.size > MAX_BYTES) {
      show(null);
      onChange(null, t("This image is too large: choose one of at most 5 MB."));
      return;
    }
    show(null, true);
    try {
      const answer = await api.uploadSignatureImage(state.id, file);
      const value = { type: "drawn", image: answer.data.image };
      show(value);
      onChange(value);
    } catch (err) {
      show(null);
      onChange(null, err.status === 0
        ? t("We couldn't reach the server. Check your connection and choose the image again.")
        : err.message);
    }
  });

  const uploaded = state.value && state.value.type === "drawn" && state.signMode === "upload" ? state.value : null;
  show(uploaded);
  const panel = el("div", { class: "signature-upload" },
    el("p", { class: "hint", id: hintId,
      text: t("A photo or scan of your signature on white paper: PNG or JPEG, up to 5 MB. We remove the background and fit it into the box.") }),
    input, el("div", { class: "attachment__row" }, choose, status), preview);
  return { panel, focus: () => choose.focus() };
}
