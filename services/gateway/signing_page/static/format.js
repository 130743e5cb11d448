// How values read: in the field previews as on the signed PDF (services/documents/pdf/values.py
// formats dates with a fixed English month table, whatever the server's locale; so do we).

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

export function formatDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!match) return iso || "";
  return `${MONTHS[Number(match[2]) - 1]} ${Number(match[3])}, ${match[1]}`;
}

export function todayIso() {
  // The server stamps the UTC date of signing.
  return new Date().toISOString().slice(0, 10);
}

const TYPE_NAMES = {
  signature: "Signature", initials: "Initials", text: "Text", textarea: "Text", number: "Number",
  date: "Date", checkbox: "Checkbox", checkbox_group: "Choices", dropdown: "Choice", radio_group: "Choice",
  name: "Name", email: "Email", date_signed: "Date signed", company: "Company", title: "Title",
  phone: "Phone", address: "Address", id_number: "ID number", note: "Note", stamp: "Stamp", image: "Image",
  approval: "Approval", attachment: "Attachment", formula: "Formula",
};

export function fieldName(field) {
  return (field.label && field.label.trim()) || TYPE_NAMES[field.type] || "Field";
}

export function initialsOf(name) {
  return (name || "").split(/\s+/).filter(Boolean).map((part) => part[0].toUpperCase()).join("").slice(0, 4);
}

// The text a value shows in its box, or "" for values drawn otherwise (images, check marks).
export function displayText(field, value) {
  if (value === undefined || value === null || value === "" || typeof value === "boolean") return "";
  if (typeof value === "object" && !Array.isArray(value)) {
    if (value.type === "attachment") return `Attached: ${value.fileName}`;  // as the signed PDF
    return value.type === "typed" ? value.text : "";
  }
  if (field.type === "date" || field.type === "date_signed") return formatDate(value);
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}
