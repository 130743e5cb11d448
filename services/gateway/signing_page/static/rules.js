// A field's `validation` rules (services/documents/domain/field_rules.py), checked in the page
// as the server checks them, with the server's words. The server stays the authority: a rule
// the page cannot check exactly is left to it, and its 422 is shown on the field.
//
// Patterns run on Python's `regex` module there, searched (not anchored), with a timeout. The page
// checks a pattern itself (and gives it to the input as its `pattern` attribute) only when it is
// sure to mean the same in JavaScript and cannot backtrack badly: anchored with ^…$, no groups
// with a quantifier after them, no (?…) syntax, no backreferences or Python-only escapes, and
// compiling in both JavaScript's u and v modes (the attribute uses v). Anything else is the
// server's alone.

import { t } from "./i18n.js";

const TEXT_RULE_TYPES = new Set(["text", "textarea", "company", "title", "phone", "id_number", "address"]);

const UNSAFE = [
  /\(\?/,                 // inline flags, lookarounds, named or atomic groups: syntax differs
  /\)[*+?{]/,             // a quantified group: where catastrophic backtracking comes from
  /\\[1-9AZzNpPhHgGQE]/,  // backreferences and escapes JavaScript reads otherwise
];

function safePattern(pattern) {
  if (typeof pattern !== "string" || !pattern.startsWith("^") || !pattern.endsWith("$") || pattern.endsWith("\\$")) {
    return null;
  }
  if (UNSAFE.some((unsafe) => unsafe.test(pattern))) return null;
  try {
    new RegExp(pattern, "v");
    return new RegExp(pattern, "u");
  } catch {
    return null;
  }
}

// Code points, as Python's len() counts them.
function length(text) {
  return [...text].length;
}

function formatNumber(n) {
  // As Python's `:g` for the values senders write (up to six significant digits).
  return String(Number(n.toPrecision(6)));
}

export class Rules {
  constructor(field) {
    const given = field.validation || {};
    this.kind = TEXT_RULE_TYPES.has(field.type) ? "text" : field.type === "number" ? "number" : "";
    const take = (key) => (given[key] === null || given[key] === undefined ? null : given[key]);
    this.minLength = this.kind === "text" ? take("minLength") : null;
    this.maxLength = this.kind === "text" ? take("maxLength") : null;
    this.min = this.kind === "number" ? take("min") : null;
    this.max = this.kind === "number" ? take("max") : null;
    this.pattern = this.kind === "text" ? take("pattern") : null;
    this.regex = safePattern(this.pattern);  // null: the server checks it alone
    this.message = take("message");
  }

  // Attributes for the input: the pattern only when the page reads it as the server does.
  attributes() {
    return {
      pattern: this.regex ? this.pattern : undefined,
      minlength: this.minLength ?? undefined,
    };
  }

  // What the signer is told before typing, or "".
  hint() {
    const parts = [];
    const { minLength: lo, maxLength: hi } = this;
    if (lo !== null && hi !== null) parts.push(t("%(min)s to %(max)s characters", { min: lo, max: hi }));
    else if (lo !== null) parts.push(t("At least %(min)s characters", { min: lo }));
    else if (hi !== null) parts.push(t("At most %(max)s characters", { max: hi }));
    const [min, max] = [this.min, this.max].map((n) => (n === null ? null : formatNumber(n)));
    if (this.min !== null && this.max !== null) parts.push(t("A number from %(min)s to %(max)s", { min, max }));
    else if (this.min !== null) parts.push(t("A number of at least %(min)s", { min }));
    else if (this.max !== null) parts.push(t("A number of at most %(max)s", { max }));
    if (this.pattern !== null) parts.push(this.message || t("Must match the expected format"));
    return parts.length ? `${parts.join(". ")}.` : "";
  }

  // Why the value (not empty, already of the right type) breaks a rule, or "".
  check(value) {
    const reason = this.kind === "text" ? this.checkText(String(value)) : this.kind === "number" ? this.checkNumber(value) : "";
    return reason && (this.message || reason);
  }

  checkText(text) {
    if (this.minLength !== null && length(text) < this.minLength) return t("Must be at least %(min)s characters", { min: this.minLength });
    if (this.maxLength !== null && length(text) > this.maxLength) return t("Must be at most %(max)s characters", { max: this.maxLength });
    if (this.regex && !this.regex.test(text)) return t("Does not match the expected format");
    return "";
  }

  checkNumber(value) {
    const n = Number(String(value).replace(/\s/g, ""));
    if (!Number.isFinite(n)) return "";
    if (this.min !== null && n < this.min) return t("Must be at least %(min)s", { min: formatNumber(this.min) });
    if (this.max !== null && n > this.max) return t("Must be at most %(max)s", { max: formatNumber(this.max) });
    return "";
  }
}
