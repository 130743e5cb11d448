// Text sizes that match the signed PDF. services/documents/pdf/overlay.py fits a value into its
// box (less 2 pt of padding a side) at the largest size that fits: typed signatures up to 72 pt
// on one line in the script font, other values up to 12 pt. Sizes here are worked out in PDF
// points and applied as a share of the box's height (CSS container units), so a preview keeps
// its proportions at whatever size the page image is shown.

export const SCRIPT_FONT = { family: '"CountersignScript", cursive', label: "handwriting" };
export const SANS_FONT = { family: "system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif" };

const SCRIPT = { family: SCRIPT_FONT.family, max: 72, spacing: 1.2 };   // Dancing Script: ascent .92, descent -.28
const SANS = { family: SANS_FONT.family, max: 12, spacing: 1.15 };
const PADDING = 2;

const measurer = document.createElement("canvas").getContext("2d");

function widthPerPoint(text, family) {
  measurer.font = `100px ${family}`;
  return measurer.measureText(text).width / 100;
}

function fittedPoints(text, style, widthPt, heightPt, wrap) {
  const width = Math.max(widthPt - 2 * PADDING, 1);
  const height = Math.max(heightPt - 2 * PADDING, 1);
  let size = Math.min(style.max, height / style.spacing);
  if (!wrap) size = Math.min(size, width / Math.max(widthPerPoint(text, style.family), 0.01));
  return Math.max(size, 4);
}

// Style a preview element inside a field box: font and size as a share of the box height.
export function styleBoxText(node, field, text, script) {
  const style = script ? SCRIPT : SANS;
  const wrap = !script && (field.type === "textarea" || field.type === "note" || field.type === "address");
  const points = text ? fittedPoints(text, style, field.width, field.height, wrap) : style.max;
  node.style.setProperty("font-family", style.family);
  node.style.setProperty("--fs", String((points / field.height) * 100));
  node.classList.toggle("field__text--wrap", wrap);
}

// A larger preview (the typed signature in the editor): as big as fits the element, up to maxPx.
export function fitScriptText(node, text, maxPx) {
  const available = node.clientWidth || 280;
  const perPx = text ? widthPerPoint(text, SCRIPT.family) : 0;
  const size = perPx ? Math.min(maxPx, (available * 0.92) / perPx) : maxPx;
  node.style.setProperty("font-size", `${Math.max(14, size)}px`);
}

// Measuring before the font arrives would size text for the fallback font.
export function loadScriptFont() {
  if (!document.fonts || !document.fonts.load) return Promise.resolve();
  return document.fonts.load('32px "CountersignScript"').catch(() => undefined);
}
