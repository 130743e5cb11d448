"""Making documents from a template: what each new document gets, checked (pure: no I/O).

`plan_documents` takes the template's roles (signer slots) and fields and, for each document to
make, the people filling the slots and the prefill; it returns one `Planned` per document, or
every problem at once as FieldIssues named after the input (`signers.1.email`, `prefill.Company`),
under `prefix` when the caller makes several documents (a bulk send names its rows).

- Signers fill the slots in slot order (`sort_order`); there must be exactly one per slot, and a
  document cannot have one address twice.
- `prefill` is keyed by a field's id (`tf_…`) or its label; a label shared by several fields is
  ambiguous (use the id). Only fields a sender can meaningfully fill in advance accept a value:
  text-like ones, numbers, dates and single choices; the value is checked as a signer's value
  would be (signing_validation.check_value) and stored as the field's default value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.documents.domain.errors import FieldIssue
from services.documents.domain.signing_validation import InvalidValue, check_value

Row = Mapping[str, Any]

TEXT_TYPES = frozenset({"text", "textarea", "company", "title", "phone", "id_number", "address", "note"})
PREFILLABLE = TEXT_TYPES | {"number", "date", "dropdown", "radio_group"}
# A number written as text (a CSV cell): what a JSON number may look like, nothing more.
_NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    phone: str | None = None
    language: str | None = None  # the signer's own (docs/languages.md); None: the document's


@dataclass(frozen=True, slots=True)
class Planned:
    """One document's signers (each with its slot) and its fields' default values by template field id."""

    signers: tuple[tuple[Person, Row], ...]  # (who, the slot they fill)
    defaults: dict[str, str | None]


def _as_default(value: Any) -> str:
    """A checked value as the text a field's default holds (numbers as written: 3, not 3.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def slot_problems(roles: Sequence[Row], people: Sequence[Person], prefix: str = "") -> list[FieldIssue]:
    if len(people) != len(roles):
        slots = ", ".join(f"{r['label']} ({r['role']})" for r in roles) or "none"
        return [
            FieldIssue(
                f"{prefix}signers",
                f"This template has {len(roles)} signer slot(s), {slots}; {len(people)} signer(s) given, in slot order",
            )
        ]
    issues: list[FieldIssue] = []
    seen: dict[str, int] = {}
    for index, person in enumerate(people):
        key = person.email.lower()
        if key in seen:
            issues.append(
                FieldIssue(f"{prefix}signers.{index}.email", f"Same address as signers.{seen[key]}: one per document")
            )
        else:
            seen[key] = index
    return issues


def _from_text(field: Row, value: Any) -> Any:
    """A value that came as text (a CSV cell) in the type its field expects: numbers only, since
    every other prefillable type takes text anyway."""
    if field["type"] == "number" and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    return value


def resolve_prefill(
    fields: Sequence[Row], prefill: Mapping[str, Any] | None, prefix: str = "", *, as_text: bool = False
) -> tuple[dict[str, str], list[FieldIssue]]:
    """({template field id: default text}, issues). `as_text`: the values came as text (CSV)."""
    if not prefill:
        return {}, []
    by_id = {f["id"]: f for f in fields}
    by_label: dict[str, list[Row]] = {}
    for field in fields:
        if field["label"]:
            by_label.setdefault(field["label"], []).append(field)
    values: dict[str, str] = {}
    issues: list[FieldIssue] = []
    for key, value in prefill.items():
        name = f"{prefix}prefill.{key}"
        labelled = by_label.get(key, [])
        match: Row | None = by_id.get(key) or (labelled[0] if len(labelled) == 1 else None)
        if match is None:
            message = (
                f"{len(labelled)} fields are labelled {key!r}; use the field's id"
                if labelled
                else "No field of this template has this id or label"
            )
            issues.append(FieldIssue(name, message))
            continue
        if match["type"] not in PREFILLABLE:
            issues.append(FieldIssue(name, f"{match['type']} fields cannot be prefilled"))
            continue
        if value is None:
            continue
        if as_text:
            value = _from_text(match, value)
        try:
            values[match["id"]] = _as_default(check_value(match, value))
        except InvalidValue as exc:
            issues.append(FieldIssue(name, str(exc)))
    return values, issues


def plan_document(
    roles: Sequence[Row],
    fields: Sequence[Row],
    people: Sequence[Person],
    prefill: Mapping[str, Any] | None,
    prefix: str = "",
    *,
    as_text: bool = False,
) -> tuple[Planned | None, list[FieldIssue]]:
    ordered = sorted(roles, key=lambda r: r["sort_order"])
    issues = slot_problems(ordered, people, prefix)
    values, prefill_issues = resolve_prefill(fields, prefill, prefix, as_text=as_text)
    issues += prefill_issues
    if issues:
        return None, issues
    defaults = {f["id"]: values.get(f["id"], f["default_value"]) for f in fields}
    return Planned(tuple(zip(people, ordered, strict=True)), defaults), []


def template_problems(roles: Sequence[Row], fields: Sequence[Row]) -> list[FieldIssue]:
    """What makes a template unusable whatever the input: no slot, or a field for no slot."""
    if not roles:
        return [FieldIssue("roles", "Add at least one role (signer slot) to the template first")]
    orders = {r["sort_order"] for r in roles}
    return [
        FieldIssue(f"fields.{f['id']}.assignedTo", f"No role has sortOrder {f['assigned_to']}")
        for f in fields
        if f["assigned_to"] is not None and f["assigned_to"] not in orders
    ]
