// Small DOM helpers. Every piece of text reaches the page through textContent, never as HTML:
// document names, messages and labels are written by senders and must not become markup.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

let uid = 0;
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// The one live region: short messages for screen readers and everyone else.
export function announce(text) {
  const status = byId("status");
  // Clearing first makes a repeated message be read again.
  status.textContent = "";
  window.setTimeout(() => { status.textContent = text; }, 30);
}

export function replaceView(...nodes) {
  const view = byId("view");
  view.replaceChildren(...nodes);
  return view;
}

export function focusHeading(container) {
  const heading = container.querySelector("h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}
