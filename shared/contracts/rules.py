"""Pure input rules of the public documents API that its request models apply (no I/O).

They live in the contract, beside the models (shared/contracts/document_requests.py), because
the models are read by every service that needs them; the documents service applies
`field_problems` again to the merged state of a PATCH, since whether `options` fit depends on
the field's (possibly unchanged) type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

MAX_OPTIONS = 100

# PDF implementations cap a page at 14,400 points (200 inches) per side, so no position or size
# on a page can be larger; the bound also keeps absurd numbers out of the database.
MAX_POINTS = 14_400.0
MAX_PAGE = 10_000
MAX_ORDER = 10_000
# Field rules (docs/signing.md): the longest text a field holds, the bound of numbers, a pattern's
# and a formula's length.
MAX_TEXT_LENGTH = 5000
MAX_NUMBER = 1e15
MAX_PATTERN = 500
MAX_FORMULA = 1000

FieldType = Literal[
    "signature",
    "initials",
    "stamp",
    "name",
    "email",
    "company",
    "title",
    "phone",
    "id_number",
    "address",
    "date_signed",
    "date",
    "text",
    "textarea",
    "number",
    "checkbox",
    "checkbox_group",
    "radio_group",
    "dropdown",
    "attachment",
    "image",
    "approval",
    "note",
    "formula",
    "payment",
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
# Field types that present a choice: they need options; no other type accepts them.
OPTION_TYPES: frozenset[str] = frozenset({"dropdown", "radio_group", "checkbox_group"})
# Types a field cannot be created with yet, and why (a problem code and words): no payment provider.
UNAVAILABLE_TYPES: dict[str, tuple[str, str]] = {
    "payment": (
        "payment-unavailable",
        "payment fields need a payment provider, which this installation does not have",
    ),
}
# Single-choice types whose default must be one of their options.
SINGLE_CHOICE_TYPES: frozenset[str] = frozenset({"dropdown", "radio_group"})


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 date-time string as an aware UTC datetime, truncated to milliseconds.

    Only strings are accepted (a bare number is not an ISO 8601 date). A value without an
    offset is read as UTC, as JavaScript's `toISOString()` clients always mean. Milliseconds
    are the precision of the API's timestamps, so what is stored reads back unchanged.
    """
    if not isinstance(value, str):
        raise ValueError("Must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("Must be an ISO 8601 date-time, e.g. 2026-12-31T23:59:59.000Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted past the calendar's edge
        raise ValueError("Must be a date-time between the years 1 and 9999") from None
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def ensure_future(value: datetime, now: datetime | None = None) -> datetime:
    if value <= (now or datetime.now(UTC)):
        raise ValueError("Must be in the future")
    return value


def reject_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; refuse it as bad input rather than fail at INSERT."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("Must not contain NUL characters")
    if isinstance(value, list) and any(isinstance(item, str) and "\x00" in item for item in value):
        raise ValueError("Must not contain NUL characters")
    return value


def check_options(options: list[str]) -> list[str]:
    cleaned = [option.strip() for option in options]
    if any(not option for option in cleaned):
        raise ValueError("Options must be non-empty strings")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError("Options must be unique")
    return cleaned


def field_problems(field_type: str, options: list[str] | None, default_value: str | None) -> dict[str, str]:
    """Cross-property rules of a field: {property: message}, empty when consistent."""
    problems: dict[str, str] = {}
    if field_type in OPTION_TYPES:
        if not options:
            problems["options"] = f"Required for {field_type} fields"
        elif field_type in SINGLE_CHOICE_TYPES and default_value is not None and default_value not in options:
            problems["defaultValue"] = "Must be one of the options"
    elif options is not None:
        problems["options"] = f"Not allowed for {field_type} fields"
    return problems
