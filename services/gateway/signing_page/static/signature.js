// The signature and initials control: draw on a canvas (mouse, touch and pen, through pointer
// events), type (shown in the script font the signed PDF uses for typed signatures), or upload a
// picture (sigupload.js).
//
// A drawing is exported as a PNG with a transparent background at the field's aspect ratio: the
// server fits the image into the box keeping its proportions, so the ink lands where it was drawn
// and does not paint a white rectangle over the document's lines.

import { el, uniqueId } from "./dom.js";
import { fitScriptText } from "./textfit.js";
import { initialsOf } from "./format.js";
import { MAX_TYPED_SIGNATURE } from "./fieldstate.js";
import { t } from "./i18n.js";
import { uploadPad } from "./sigupload.js";

const INK = "rgb(13, 28, 102)";  // the signed PDF's ink colour (services/documents/pdf/overlay.py)

function aspectOf(field) {
  const ratio = field.width / Math.max(field.height, 1);
  return Math.min(5, Math.max(1.5, ratio));
}

// The pad is sized from the field: about 5 canvas pixels per point (a sharp image, a PNG of a few
// tens of KB), shown no wider than about 3 CSS pixels per point (initials get a small pad, not a
// wide one whose strokes would shrink to hairlines), and strokes about 1.1 pt wide on the PDF.
function padGeometry(field) {
  const backing = Math.round(Math.min(1200, Math.max(400, field.width * 5)));
  const cssMax = Math.max(260, field.width * 3);
  const lineWidth = Math.max(1.1 * (backing / field.width), 2.5 * (backing / Math.min(cssMax, 560)));
  return { width: backing, height: Math.round(backing / aspectOf(field)), cssMax, lineWidth };
}

function padArea(canvas, cssMax) {
  const area = el("div", { class: "pad__area" }, canvas, el("span", { class: "pad__line", "aria-hidden": "true" }));
  area.style.setProperty("max-width", `${Math.round(cssMax)}px`);
  return area;
}

function drawPad(state, onChange) {
  const canvas = el("canvas", {
    class: "pad__canvas", role: "img",
    "aria-label": t("Drawing area: draw with a mouse, finger or stylus, or choose Type to type instead"),
  });
  const geometry = padGeometry(state.field);
  canvas.width = geometry.width;
  canvas.height = geometry.height;
  canvas.style.setProperty("aspect-ratio", `${canvas.width} / ${canvas.height}`);
  const ctx = canvas.getContext("2d");
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = INK;
  ctx.lineWidth = geometry.lineWidth;
  let points = [];

  if (state.value && state.value.type === "drawn") {
    const image = new Image();
    image.addEventListener("load", () => ctx.drawImage(image, 0, 0, canvas.width, canvas.height));
    image.src = state.value.image;
  }

  function position(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }

  function extend(point) {
    points.push(point);
    const n = points.length;
    if (n === 1) {
      ctx.beginPath();
      ctx.arc(point[0], point[1], ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = INK;
      ctx.fill();
      return;
    }
    // Smooth: a quadratic curve through the midpoints of the last three points.
    const [a, b, c] = [points[Math.max(0, n - 3)], points[n - 2], points[n - 1]];
    ctx.beginPath();
    ctx.moveTo((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
    ctx.quadraticCurveTo(b[0], b[1], (b[0] + c[0]) / 2, (b[1] + c[1]) / 2);
    ctx.stroke();
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    points = [];
    extend(position(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!canvas.hasPointerCapture(event.pointerId)) return;
    event.preventDefault();
    // Coalesced events keep fast strokes smooth where the browser batches them.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) extend(position(each));
  });
  function finish(event) {
    if (!canvas.hasPointerCapture(event.pointerId)) return;
    canvas.releasePointerCapture(event.pointerId);
    onChange({ type: "drawn", image: canvas.toDataURL("image/png") });
  }
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  const clear = el("button", {
    type: "button", class: "button button--quiet", onclick: () => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      onChange(null);
    },
  }, t("Clear"));
  const panel = el("div", { class: "pad" },
    padArea(canvas, geometry.cssMax),
    el("div", { class: "pad__tools" }, el("span", { class: "hint", text: t("Sign above the line.") }), clear));
  return { panel, focus: null };
}

function typePad(state, onChange) {
  const id = uniqueId("typed");
  const suggestion = state.field.type === "initials" ? initialsOf(state.signerName) : state.signerName;
  const input = el("input", {
    id, type: "text", class: "input", maxlength: MAX_TYPED_SIGNATURE, autocomplete: "off", spellcheck: "false",
    placeholder: suggestion || "", "aria-describedby": "editor-error",
  });
  if (state.value && state.value.type === "typed") input.value = state.value.text;
  const preview = el("div", { class: "typed-preview", "aria-hidden": "true" });
  const render = () => {
    preview.textContent = input.value;
    fitScriptText(preview, input.value, 48);
  };
  input.addEventListener("input", () => {
    render();
    onChange(input.value.trim() ? { type: "typed", text: input.value } : null);
  });
  render();
  const label = state.field.type === "initials" ? t("Type your initials") : t("Type your full name");
  const panel = el("div", { class: "typed" }, el("label", { for: id, text: label }), input, preview,
    el("p", { class: "hint", text: t("Shown in the handwriting style, as it will appear on the signed document.") }));
  return { panel, focus: () => input.focus() };
}

// `copyFrom`: { value, label } of an earlier signature of the same kind, offered for reuse.
export function signatureControl(state, { onChange, copyFrom }) {
  const root = el("div", { class: "signature" });
  const modes = el("div", { class: "segmented", role: "group", "aria-label": t("How to sign") });
  const body = el("div", { class: "signature__body" });
  let current = null;
  let mode = state.value && state.value.type === "typed" ? "type" : (state.signMode === "upload" ? "upload" : "draw");
  const pads = { draw: drawPad, type: typePad, upload: uploadPad };

  function show(next, focus) {
    mode = next;
    state.signMode = next;  // an uploaded picture is a drawn value: remember which pad made it
    current = pads[next](state, onChange);
    body.replaceChildren(current.panel);
    for (const button of modes.children) button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    // Typing goes straight to the input; for drawing, focus stays on the chosen mode.
    if (focus && current.focus) current.focus();
  }
  for (const [key, text] of [["draw", t("Draw")], ["type", t("Type")], ["upload", t("Upload")]]) {
    modes.append(el("button", {
      type: "button", class: "segmented__option", "data-mode": key,
      onclick: () => { if (mode !== key) { onChange(null); show(key, true); } },
    }, text));
  }
  root.append(modes, body);
  if (copyFrom) {
    root.append(el("button", {
      type: "button", class: "button button--quiet", onclick: () => {
        onChange(copyFrom.value);
        show(copyFrom.value.type === "typed" ? "type" : "draw", true);
      },
    }, copyFrom.label));
  }
  show(mode, false);
  return { node: root, focus: () => modes.querySelector('[aria-pressed="true"]').focus() };
}
