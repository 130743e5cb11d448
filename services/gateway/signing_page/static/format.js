// How values read: in the field previews as on the signed PDF (services/documents/pdf/values.py
// writes dates in the signer's language with CLDR's long format; i18n.longDate does the same).

import { longDate, t } from "./i18n.js";

export function formatDate(iso) {
  return longDate(iso);
}

export function todayIso() {
  // The server stamps the UTC date of signing.
  return new Date().toISOString().slice(0, 10);
}

const typeNames = () => ({
  signature: t("Signature"), initials: t("Initials"), text: t("Text"), textarea: t("Text"), number: t("Number"),
  date: t("Date"), checkbox: t("Checkbox"), checkbox_group: t("Choices"), dropdown: t("Choice"), radio_group: t("Choice"),
  name: t("Name"), email: t("Email"), date_signed: t("Date signed"), company: t("Company"), title: t("Title"),
  phone: t("Phone"), address: t("Address"), id_number: t("ID number"), note: t("Note"), stamp: t("Stamp"), image: t("Image"),
  approval: t("Approval"), attachment: t("Attachment"), formula: t("Formula"),
});

export function fieldName(field) {
  return (field.label && field.label.trim()) || typeNames()[field.type] || t("Field");
}

export function initialsOf(name) {
  return (name || "").split(/\s+/).filter(Boolean).map((part) => part[0].toUpperCase()).join("").slice(0, 4);
}

// The text a value shows in its box, or "" for values drawn otherwise (images, check marks).
export function displayText(field, value) {
  if (value === undefined || value === null || value === "" || typeof value === "boolean") return "";
  if (typeof value === "object" && !Array.isArray(value)) {
    if (value.type === "attachment") return t("Attached: %(file)s", { file: value.fileName });  // as the signed PDF
    return value.type === "typed" ? value.text : "";
  }
  if (field.type === "date" || field.type === "date_signed") return formatDate(value);
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}
