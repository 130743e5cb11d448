"""A field's `validation` rules: checked when the field is written, enforced when it is signed.

`validation` is a pattern (a string, as the API always accepted) or an object of rules
{pattern, minLength, maxLength, min, max, message}. Text fields take pattern and lengths, number
fields min and max; any other type takes none.

Patterns come from API clients and run on signers' input, so neither may stall a worker. They
run on the `regex` module with a `timeout` per match (PATTERN_TIMEOUT_S): a catastrophic
backtracking pattern (`^(a+)+$` on "aaaa…!") is cut off instead of pinning a CPU, and the
signer is told the value could not be checked, rather than the request hanging. Why not RE2: it
has no maintained wheel for every platform we build on, and `regex` keeps Python's syntax, which
is what clients already wrote. At creation a pattern must compile (422 otherwise), so a typo is
found by the sender, not by a signer. A pattern is searched (`re.search` semantics): anchor it
with ^…$ to constrain the whole value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from services.documents.domain.errors import FieldIssue

TEXT_RULE_TYPES = frozenset({"text", "textarea", "company", "title", "phone", "id_number", "address"})
NUMBER_RULE_TYPES = frozenset({"number"})
TEXT_RULES = frozenset({"pattern", "minLength", "maxLength"})
NUMBER_RULES = frozenset({"min", "max"})
PATTERN_TIMEOUT_S = 0.05


class RuleBroken(ValueError):
    """The message says which rule the value breaks."""


def normalise(validation: Any) -> str | dict[str, Any] | None:
    """The stored form: a pattern string as given, or the object's rules that were set."""
    if validation is None or isinstance(validation, str):
        return validation
    rules = {key: value for key, value in dict(validation).items() if value is not None}
    return rules or None


def rules_of(validation: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if validation is None:
        return {}
    if isinstance(validation, str):
        return {"pattern": validation}
    return dict(validation)


def problems(field_type: str, validation: str | Mapping[str, Any] | None) -> list[FieldIssue]:
    """What is wrong with `validation` for a field of `field_type` (empty: nothing)."""
    rules = rules_of(validation)
    given = set(rules) - {"message"}
    if not given:
        return []
    allowed = (
        TEXT_RULES if field_type in TEXT_RULE_TYPES else NUMBER_RULES if field_type in NUMBER_RULE_TYPES else set()
    )
    out = [
        FieldIssue(
            f"validation.{name}" if not isinstance(validation, str) else "validation", _not_for(name, field_type)
        )
        for name in sorted(given - allowed)
    ]
    if "pattern" in rules and "pattern" in allowed:
        try:
            regex.compile(rules["pattern"])
        except (regex.error, OverflowError, RecursionError) as exc:
            name = "validation" if isinstance(validation, str) else "validation.pattern"
            out.append(FieldIssue(name, f"Not a valid regular expression: {exc}"))
    for low, high in (("minLength", "maxLength"), ("min", "max")):
        if low in rules and high in rules and rules[low] > rules[high]:
            out.append(FieldIssue(f"validation.{low}", f"Must not be greater than {high}"))
    return out


def _not_for(name: str, field_type: str) -> str:
    if name in TEXT_RULES:
        return f"Not allowed for {field_type} fields; {name} applies to text fields"
    return f"Not allowed for {field_type} fields; {name} applies to number fields"


def check(validation: str | Mapping[str, Any] | None, value: Any) -> None:
    """RuleBroken when the (already type-checked) value breaks a rule."""
    rules = rules_of(validation)
    if not rules:
        return
    custom = rules.get("message")
    try:
        _check(rules, value)
    except RuleBroken as broken:
        raise RuleBroken(custom or str(broken)) from None


def _check(rules: Mapping[str, Any], value: Any) -> None:
    if isinstance(value, str):
        if "minLength" in rules and len(value) < rules["minLength"]:
            raise RuleBroken(f"Must be at least {rules['minLength']} characters")
        if "maxLength" in rules and len(value) > rules["maxLength"]:
            raise RuleBroken(f"Must be at most {rules['maxLength']} characters")
        if "pattern" in rules:
            try:
                found = regex.search(rules["pattern"], value, timeout=PATTERN_TIMEOUT_S)
            except TimeoutError:
                raise RuleBroken("Could not be checked against the field's pattern; shorten or simplify it") from None
            if found is None:
                raise RuleBroken("Does not match the expected format")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "min" in rules and value < rules["min"]:
            raise RuleBroken(f"Must be at least {rules['min']:g}")
        if "max" in rules and value > rules["max"]:
            raise RuleBroken(f"Must be at most {rules['max']:g}")
