// The campaign page (services/gateway/campaign_page/): the brand colour, and the visitor's form
// sent to POST /api/v1/campaigns/{id}/submissions; on success, the signing page it answers with.
// Texts are shown with textContent only: nothing from a response is parsed as HTML.

const main = document.getElementById("campaign");
const BRAND = /^#[0-9A-Fa-f]{6}$/;

function applyBrand() {
  const color = main && main.dataset.brand;
  // Through the CSSOM, which the CSP allows (style-src 'self' forbids only inline style markup).
  if (color && BRAND.test(color)) document.documentElement.style.setProperty("--brand", color);
}

function problemText(body, status) {
  if (body && Array.isArray(body.errors) && body.errors.length) {
    return body.errors.map((e) => `${e.field}: ${e.message}`).join("\n");
  }
  if (body && typeof body.detail === "string") return body.detail;
  if (status === 429) return "Too many attempts. Please wait a while and try again.";
  return "Something went wrong. Please try again.";
}

function value(form, name) {
  const input = form.elements.namedItem(name);
  return input ? input.value.trim() : null;
}

function setUp(form) {
  const error = document.getElementById("error");
  const button = document.getElementById("submit");
  const show = (text) => {
    error.textContent = text;
    error.hidden = false;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const visitor = { name: value(form, "name"), email: value(form, "email") };
    const phone = value(form, "phone");
    if (phone !== null) visitor.phone = phone;
    button.disabled = true;
    try {
      const id = encodeURIComponent(main.dataset.campaign);
      const response = await fetch(`/api/v1/campaigns/${id}/submissions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(visitor),
      });
      const body = await response.json().catch(() => null);
      const url = body && body.data && body.data.signingUrl;
      if (response.ok && typeof url === "string") {
        window.location.assign(url);
        return;
      }
      show(problemText(body, response.status));
    } catch {
      show("We could not reach the server. Please try again.");
    }
    button.disabled = false;
  });
}

applyBrand();
const form = document.getElementById("visitor");
if (form && main) setUp(form);
