// Embedded signing (docs/embedding.md): inside a frame of an allowed parent, the page tells the
// parent what happens through window.parent.postMessage — countersign:loaded, :signed, :declined
// and :error, with the document's and the signer's ids and never anything secret (no token, no
// email, no name) — addressed to the parent's origin only, never to "*".
//
// The allowed origins are EMBED_ALLOWED_ORIGINS, which the gateway writes into the page's
// <meta name="countersign-embed-origins"> (and into the CSP's frame-ancestors, so no other parent
// can frame the page at all). The parent's origin is the browser's own word where it gives one
// (location.ancestorOrigins, Chromium and Safari); elsewhere the `embed_origin` query parameter
// the embedding application puts in the frame's URL, else the referrer's origin. Whatever the
// source, it must be one of the allowed, and postMessage delivers only if the parent really is
// at that origin.

function originOf(url) {
  try {
    const { origin } = new URL(url);
    return origin === "null" ? "" : origin;
  } catch {
    return "";
  }
}

function allowedOrigins() {
  const meta = document.querySelector('meta[name="countersign-embed-origins"]');
  // As browsers write origins (https://a.example:443 is https://a.example).
  return meta ? meta.content.split(/\s+/).map(originOf).filter(Boolean) : [];
}

function claimedParentOrigin() {
  const ancestors = window.location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  const asked = new URLSearchParams(window.location.search).get("embed_origin");
  return originOf(asked || document.referrer);
}

function parentOrigin() {
  if (window.parent === window) return "";
  const allowed = allowedOrigins();
  const claimed = allowed.length ? claimedParentOrigin() : "";
  return allowed.includes(claimed) ? claimed : "";
}

const target = parentOrigin();

// Whether the page runs in an allowed parent's frame.
export const embedded = target !== "";

// The ids an event carries: of the document and of the signer, when the page knows them.
export function idsOf(session) {
  return session ? { documentId: session.documentId, signerId: session.signer.id } : {};
}

// type: "loaded" | "signed" | "declined" | "error"; detail: plain data (structured-cloned).
export function notifyParent(type, detail = {}) {
  if (!target) return;
  window.parent.postMessage({ type: `countersign:${type}`, ...detail }, target);
}
