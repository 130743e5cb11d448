// Formula fields, previewed as the signer types: the same small language as the server's
// evaluator (services/documents/domain/formula.py) — numbers, field ids (fld_…), unary + and -,
// + - * /, parentheses, round(x[, digits]), min(…), max(…), abs(x) — read by a tiny
// recursive-descent parser. Never eval or Function (the page's CSP forbids them anyway). The
// preview is only a preview: the server computes the value it stamps when the signer signs.

const FUNCTIONS = { round: [1, 2], min: [2, 20], max: [2, 20], abs: [1, 1] };
const MAX_RESULT = 1e15;

class FormulaError extends Error {}

function tokenize(text) {
  const tokens = [];
  const pattern = /\s*(?:(\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|([-+*/(),]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new FormulaError("unexpected character");
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "number", value: Number(match[1].replace(/_/g, "")) });
    else if (match[2] !== undefined) tokens.push({ kind: "name", value: match[2] });
    else tokens.push({ kind: match[3], value: match[3] });
  }
  return tokens;
}

// Python's round(): halves go to the even neighbour, judged on the float's exact decimal value.
export function pyRound(x, digits = 0) {
  const d = Math.trunc(digits);
  if (d < 0) {
    const unit = 10 ** -d;
    return pyRound(x / unit, 0) * unit;
  }
  if (d > 20 || !Number.isFinite(x)) return x;
  const exact = Math.abs(x).toFixed(Math.min(100, d + 60));
  const [whole, fraction] = exact.split(".");
  const rest = fraction.slice(d);
  const kept = whole + (d ? `.${fraction.slice(0, d)}` : "");
  const lastDigit = Number(kept[kept.length - 1]);
  const tie = rest[0] === "5" && !/[1-9]/.test(rest.slice(1));
  const up = rest[0] > "5" || (rest[0] === "5" && !tie) || (tie && lastDigit % 2 === 1);
  const magnitude = Number((Number(kept) + (up ? 10 ** -d : 0)).toFixed(d));
  return x < 0 ? -magnitude : magnitude;
}

function bounded(value) {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_RESULT) throw new FormulaError("out of range");
  return value;
}

function apply(name, args) {
  if (name === "round") return pyRound(args[0], args.length > 1 ? args[1] : 0);
  if (name === "min") return Math.min(...args);
  if (name === "max") return Math.max(...args);
  return Math.abs(args[0]);
}

// The value of `expression` given each field id's number, or null when it cannot be computed
// yet (an input still empty, a division by zero, something the server's evaluator would refuse).
export function evaluateFormula(expression, numbers) {
  let tokens;
  try {
    tokens = tokenize(expression || "");
  } catch {
    return null;
  }
  let at = 0;
  const peek = () => tokens[at];
  const take = (kind) => {
    const token = tokens[at];
    if (!token || (kind && token.kind !== kind)) throw new FormulaError(`expected ${kind}`);
    at += 1;
    return token;
  };

  function expr() {
    let value = term();
    while (peek() && (peek().kind === "+" || peek().kind === "-")) {
      const op = take().kind;
      const right = term();
      value = bounded(op === "+" ? value + right : value - right);
    }
    return value;
  }

  function term() {
    let value = unary();
    while (peek() && (peek().kind === "*" || peek().kind === "/")) {
      const op = take().kind;
      const right = unary();
      if (op === "/" && right === 0) throw new FormulaError("division by zero");
      value = bounded(op === "*" ? value * right : value / right);
    }
    return value;
  }

  function unary() {
    if (peek() && (peek().kind === "+" || peek().kind === "-")) {
      return take().kind === "-" ? -unary() : unary();
    }
    return primary();
  }

  function primary() {
    const token = take();
    if (token.kind === "number") return token.value;
    if (token.kind === "(") {
      const value = expr();
      take(")");
      return value;
    }
    if (token.kind !== "name") throw new FormulaError("unexpected token");
    if (peek() && peek().kind === "(" && Object.hasOwn(FUNCTIONS, token.value)) {
      take("(");
      const args = [];
      while (peek() && peek().kind !== ")") {
        args.push(expr());
        if (peek() && peek().kind === ",") take(",");
        else break;
      }
      take(")");
      const [low, high] = FUNCTIONS[token.value];
      if (args.length < low || args.length > high) throw new FormulaError("wrong number of arguments");
      return apply(token.value, args);
    }
    if (!token.value.startsWith("fld_")) throw new FormulaError("unknown name");
    const value = numbers.get(token.value);
    if (typeof value !== "number" || !Number.isFinite(value)) throw new FormulaError("no value");
    return value;
  }

  try {
    const value = bounded(expr());
    if (at !== tokens.length) return null;
    return Object.is(value, -0) ? 0 : value;
  } catch (err) {
    if (err instanceof FormulaError) return null;
    throw err;
  }
}
