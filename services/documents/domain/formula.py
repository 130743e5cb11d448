"""Formula fields: an arithmetic expression over number fields, computed when the signer signs.

The expression is parsed with `ast` (mode "eval") and walked node by node; nothing is ever
passed to `eval`/`compile`. Allowed: numbers, field references by id (`fld_…`, which are valid
Python names), unary + and -, binary + - * /, parentheses, and the calls round(x[, digits]),
min(a, b, …), max(a, b, …), abs(x). Anything else (attributes, subscripts, strings, power,
comparisons, lambdas, keyword arguments) is refused at creation, so a stored formula is always
one the evaluator can run. Power is left out on purpose: `9**9**9` is the classic way to make an
"arithmetic" evaluator burn a CPU. Results are bounded like any number value (±1e15).

A formula references fields of the signer who owns it (checked at send), so its value depends
only on that signer's submission and is known when they sign.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_RESULT = 1e15
MAX_NODES = 200
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "round": lambda x, digits=0: round(x, int(digits)),
    "min": min,
    "max": max,
    "abs": abs,
}
_ARITY = {"round": (1, 2), "min": (2, 20), "max": (2, 20), "abs": (1, 1)}
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class FormulaError(ValueError):
    """The expression is not one we evaluate, or cannot be evaluated with these values."""


def parse(expression: str) -> ast.expr:
    """The checked syntax tree, or FormulaError naming what is not allowed."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError("Not a valid expression") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"Too long: at most {MAX_NODES} terms")
    for node in nodes:
        _check_node(node)
    return tree


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError("Only numbers may appear as constants")
    elif isinstance(node, ast.Name):
        # A template's fields are tf_…; a document made from it gets the formula renamed (renamed()).
        if node.id not in _FUNCTIONS and not node.id.startswith(("fld_", "tf_")):
            raise FormulaError(f"Unknown name {node.id!r}: refer to fields by id (fld_…, on a template tf_…)")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise FormulaError("Only + - * / are allowed")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise FormulaError("Only unary + and - are allowed")
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in _FUNCTIONS or node.keywords:
            raise FormulaError("Only round, min, max and abs may be called, without keywords")
        low, high = _ARITY[name]
        if not low <= len(node.args) <= high:
            raise FormulaError(f"{name} takes {low} to {high} arguments" if low != high else f"{name} takes {low}")
    elif not isinstance(node, (ast.operator, ast.unaryop, ast.Load)):
        raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def references(expression: str) -> set[str]:
    """The field ids the expression reads."""
    return {node.id for node in ast.walk(parse(expression)) if isinstance(node, ast.Name) and node.id not in _FUNCTIONS}


def renamed(expression: str, new_ids: Mapping[str, str]) -> str:
    """The expression reading `new_ids[old]` wherever it read `old` (a document made from a
    template gets new field ids). Field ids are whole Python names, so a name-token match is exact."""
    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: new_ids.get(m.group(0), m.group(0)), expression)


def evaluate(expression: str, values: Mapping[str, Any]) -> int | float:
    """The value, given every referenced field's number; FormulaError when one is missing,
    on a division by zero, or when the result is not a finite number within ±1e15."""
    result = _eval(parse(expression), values)
    if not math.isfinite(result) or abs(result) > MAX_RESULT:
        raise FormulaError("The result is out of range")
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return result


def _eval(node: ast.expr, values: Mapping[str, Any]) -> float:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float))  # parse() lets only numbers through
        return node.value
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormulaError(f"{node.id} has no number value")
        return value
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Div) and right == 0:
            raise FormulaError("Division by zero")
        result = _BINARY[type(node.op)](left, right)
        if not math.isfinite(result) or abs(result) > MAX_RESULT:
            raise FormulaError("The result is out of range")
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _FUNCTIONS[node.func.id](*(_eval(arg, values) for arg in node.args))
    raise FormulaError("Not a valid expression")  # unreachable after parse()
