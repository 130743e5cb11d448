// One field of this signer: its value as the signing API takes it, and whether it counts as filled.
// The rules mirror services/documents/signing_validation.py, so the page refuses early what the
// server would refuse (the server still decides: a 422 is shown on the field it names).

import { fieldName, todayIso } from "./format.js";
import { t } from "./i18n.js";
import { Rules } from "./rules.js";

const TEXT_LIMITS = { text: 1000, textarea: 5000, address: 1000, note: 5000 };
export const MAX_TYPED_SIGNATURE = 100;

export function textLimit(type) {
  return TEXT_LIMITS[type] || 200;
}

export function isEmpty(value) {
  return value === undefined || value === null || value === false
    || (Array.isArray(value) && value.length === 0)
    || (typeof value === "string" && value.trim() === "");
}

function initialValue(field) {
  const given = field.defaultValue;
  if (given === null || given === undefined || given === "") return field.type === "checkbox" ? false : null;
  switch (field.type) {
    case "checkbox":
    case "approval":
      return given === "true";
    case "dropdown":
    case "radio_group":
      return (field.options || []).includes(given) ? given : null;
    case "checkbox_group":
      return given.split(",").map((v) => v.trim()).filter((v) => (field.options || []).includes(v));
    case "number":
      return Number.isFinite(Number(given)) ? given : null;
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(given) ? given : null;
    case "signature":
    case "initials":
    case "stamp":
    case "image":
    case "attachment":
      return null;
    default:
      return given;
  }
}

// What the server will fill in for an auto-filled field, shown before it does.
function autoValue(field, signer) {
  if (field.type === "name") return signer.name;
  if (field.type === "email") return signer.email;
  if (field.type === "date_signed") return todayIso();
  if (field.type === "approval") return true;
  return field.defaultValue;
}

export class FieldState {
  // upload: the file this signer already put into an attachment field ({id, fileName}), if any;
  // maxBytes: the server's limit for such files.
  constructor(field, signer, { upload = null, maxBytes = null } = {}) {
    this.field = field;
    this.maxBytes = maxBytes;
    this.rules = new Rules(field);
    // The server marks attachment fields auto-filled (their value is the uploaded file, never sent
    // with Finish), but the signer fills them here, by uploading.
    const uploaded = field.type === "attachment" && !field.readOnly;
    this.auto = (Boolean(field.autoFilled) && !uploaded) || signer.role === "approver";
    this.value = this.auto ? autoValue(field, signer) : initialValue(field);
    if (upload && field.type === "attachment") this.value = { type: "attachment", id: upload.id, fileName: upload.fileName };
    this.error = "";  // a message for the signer, from our own checks or the server's 422
    this.signerName = signer.name;
  }

  get id() { return this.field.id; }
  get name() { return fieldName(this.field); }
  get required() { return this.field.required && !this.auto; }
  get filled() { return !isEmpty(this.value) && !this.invalidReason(); }

  // Why the current value would be refused, or "".
  invalidReason() {
    const { type } = this.field;
    const value = this.value;
    if (isEmpty(value)) return "";
    if (type === "number" && !Number.isFinite(Number(String(value).replace(/\s/g, "")))) {
      return t("Enter a number, for example 1250 or 12.5");
    }
    if (type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return t("Enter a date");
    if ((type === "signature" || type === "initials") && value.type === "typed" && value.text.length > MAX_TYPED_SIGNATURE) {
      return t("Use at most %(max)s characters", { max: MAX_TYPED_SIGNATURE });
    }
    if (typeof value === "string" && value.length > textLimit(type)) return t("Use at most %(max)s characters", { max: textLimit(type) });
    return this.rules.check(value);
  }

  // The value for POST …/sign, or undefined to leave the field out.
  payload() {
    if (this.auto) return undefined;
    const { type } = this.field;
    if (type === "checkbox" || type === "approval") return Boolean(this.value);
    if (type === "attachment" || isEmpty(this.value)) return undefined;  // the server holds the file
    if (type === "number") return Number(String(this.value).replace(/\s/g, ""));
    if ((type === "signature" || type === "initials") && this.value.type === "typed") {
      return { type: "typed", text: this.value.text.trim().replace(/\s+/g, " ") };
    }
    return this.value;
  }
}

// Reading order: page by page, top to bottom, then left to right.
export function inReadingOrder(fields) {
  return [...fields].sort((a, b) => (a.page - b.page) || (a.y - b.y) || (a.x - b.x));
}
