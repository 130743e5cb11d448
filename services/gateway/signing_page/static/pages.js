// The document's pages as server-rendered images, with this signer's fields drawn over them.
//
// Field boxes come in PDF points from the page's top-left corner (the page as displayed: CropBox
// and rotation applied, as the images are rendered). Each box is placed as a percentage of the
// page's size, so it stays in place at any displayed size, from a 360 px phone to a wide screen.

import { fileUrl, pageUrl } from "./api.js";
import { el } from "./dom.js";
import { displayText } from "./format.js";
import { t } from "./i18n.js";
import { styleBoxText } from "./textfit.js";

const SCALE_STEP = 0.5;
const MAX_SCALE = 3;

// Pixels per point for the images: enough for this screen's width and density, in the steps the
// server caches (page_render.py), never more than it renders.
export function chooseScale(pageWidthPt, cssWidth) {
  const needed = (cssWidth * (window.devicePixelRatio || 1)) / Math.max(pageWidthPt, 1);
  return Math.min(MAX_SCALE, Math.max(1, Math.ceil(needed / SCALE_STEP) * SCALE_STEP));
}

function placeBox(node, field, page) {
  const pct = (value, total) => `${(value / total) * 100}%`;
  node.style.setProperty("left", pct(field.x, page.width));
  node.style.setProperty("top", pct(field.y, page.height));
  node.style.setProperty("width", pct(field.width, page.width));
  node.style.setProperty("height", pct(field.height, page.height));
}

// A prompt fits only in a box wider than tall; a checkbox's highlight says enough. Signature and
// initials boxes always name themselves. The prompt is the field's name, the start of the box's
// accessible name, so what is seen is what speech input can say (WCAG 2.5.3, label in name).
function promptFor(state) {
  const { type, width, height } = state.field;
  if (type === "signature" || type === "initials") return state.name;
  return width >= height * 2 ? state.name : "";
}

// The content of a field's box: the value as the signed PDF will show it, or a prompt.
function preview(state) {
  const { field, value } = state;
  if (value && typeof value === "object" && value.type === "drawn") {
    return el("img", { class: "field__image", src: value.image, alt: "" });
  }
  if (value === true) return el("span", { class: "field__check", "aria-hidden": "true", text: "✓" });
  const text = displayText(field, value);
  if (!text) return el("span", { class: "field__tag", "aria-hidden": "true", text: promptFor(state) });
  const span = el("span", { class: "field__text", "aria-hidden": "true", text });
  styleBoxText(span, field, text, value && value.type === "typed");
  return span;
}

function spokenValue(state) {
  const { value } = state;
  if (state.field.type === "checkbox" || state.field.type === "approval") return value ? t("ticked") : t("not ticked");
  if (value && value.type === "drawn") return t("signed");
  return displayText(state.field, value) || t("not filled in");
}

export class PageView {
  // `onActivate(state)`: a writable field's box was chosen (click, tap, Enter or Space).
  constructor(session, states, { onActivate, interactive = true }) {
    this.boxes = new Map();
    this.root = el("div", { class: "pages" });
    const cssWidth = Math.min(document.getElementById("view").clientWidth || 800, 900);
    for (const page of session.pages) {
      const layer = el("div", { class: "page__fields" });
      const image = el("img", {
        class: "page__image", src: pageUrl(page.page, chooseScale(page.width, cssWidth)),
        alt: t("Page %(page)s of %(count)s", { page: page.page, count: session.pageCount }), loading: page.page > 2 ? "lazy" : "eager", decoding: "async",
        width: Math.round(page.width), height: Math.round(page.height),
      });
      const figure = el("figure", { class: "page", "data-page": page.page }, image, layer);
      figure.style.setProperty("aspect-ratio", `${page.width} / ${page.height}`);
      image.addEventListener("error", () => figure.append(el("p", { class: "page__error" },
        t("This page could not be shown."), " ", el("a", { href: fileUrl, download: "" }, t("Download the PDF to read it")))));
      for (const state of states.filter((s) => s.field.page === page.page)) {
        const box = state.auto || !interactive
          ? el("div", { class: `field field--auto field--${state.field.type}` })
          : el("button", { type: "button", class: `field field--${state.field.type}`, "data-field-id": state.id,
            onclick: () => onActivate(state) });
        placeBox(box, state.field, page);
        this.boxes.set(state.id, box);
        layer.append(box);
        this.refresh(state);
      }
      this.root.append(figure);
    }
  }

  box(state) {
    return this.boxes.get(state.id);
  }

  refresh(state, { active = false } = {}) {
    const box = this.boxes.get(state.id);
    if (!box) return;
    box.replaceChildren(preview(state));
    box.classList.toggle("is-required", state.required);
    box.classList.toggle("is-filled", state.filled);
    box.classList.toggle("is-invalid", Boolean(state.error));
    box.classList.toggle("is-active", active);
    if (box.tagName === "BUTTON") {
      const spoken = { field: state.name, value: spokenValue(state) };
      box.setAttribute("aria-label", state.required
        ? t("%(field)s, required: %(value)s", spoken)
        : t("%(field)s, optional: %(value)s", spoken));
      if (active) box.setAttribute("aria-current", "true");
      else box.removeAttribute("aria-current");
    } else {
      // Read-only: a hidden prefix says why it cannot be changed.
      box.prepend(el("span", { class: "visually-hidden", text: t("%(field)s, filled in automatically:", { field: state.name }) + " " }));
      box.append(el("span", { class: "visually-hidden", text: spokenValue(state) }));
    }
  }
}
