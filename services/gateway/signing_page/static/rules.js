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
    if (lo !== null && hi !== null) parts.push(`${lo} to ${hi} characters`);
    else if (lo !== null) parts.push(`At least ${lo} characters`);
    else if (hi !== null) parts.push(`At most ${hi} characters`);
    if (this.min !== null && this.max !== null) parts.push(`A number from ${formatNumber(this.min)} to ${formatNumber(this.max)}`);
    else if (this.min !== null) parts.push(`A number of at least ${formatNumber(this.min)}`);
    else if (this.max !== null) parts.push(`A number of at most ${formatNumber(this.max)}`);
    if (this.pattern !== null) parts.push(this.message || "Must match the expected format");
    return parts.length ? `${parts.join(". ")}.` : "";
  }

  // Why the value (not empty, already of the right type) breaks a rule, or "".
  check(value) {
    const reason = this.kind === "text" ? this.checkText(String(value)) : this.kind === "number" ? this.checkNumber(value) : "";
    return reason && (this.message || reason);
  }

  checkText(text) {
    if (this.minLength !== null && length(text) < this.minLength) return `Must be at least ${this.minLength} characters`;
    if (this.maxLength !== null && length(text) > this.maxLength) return `Must be at most ${this.maxLength} characters`;
    if (this.regex && !this.regex.test(text)) return "Does not match the expected format";
    return "";
  }

  checkNumber(value) {
    const n = Number(String(value).replace(/\s/g, ""));
    if (!Number.isFinite(n)) return "";
    if (this.min !== null && n < this.min) return `Must be at least ${formatNumber(this.min)}`;
    if (this.max !== null && n > this.max) return `Must be at most ${formatNumber(this.max)}`;
    return "";
  }
}
