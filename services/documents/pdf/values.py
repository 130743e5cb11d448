"""How field values and times read on the signed PDF: pure formatting, no process locale.

Month names come from a fixed table (English, the certificate's language) or from Babel's CLDR
data for a signer's language (`language`: "4. Dezember 2026"), never from `strftime("%B")`,
which follows the process locale: a signed document must read the same whichever server built it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.i18n import DEFAULT_LANGUAGE, long_date

from .models import DrawnSignature, FieldValue, TypedSignature

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

DATE_TYPES = frozenset({"date", "date_signed"})


def format_date(value: date | datetime | str, language: str = DEFAULT_LANGUAGE) -> str:
    """`2026-05-29` → `May 29, 2026`, or `29. Mai 2026` in German (a datetime shows its own
    calendar date, as given)."""
    if isinstance(value, str):
        value = _parse_date(value)
    if language != DEFAULT_LANGUAGE:
        return long_date(value, language)
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def format_datetime(value: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """`May 29, 2026 14:03:11 UTC`, `29. Mai 2026 14:03:11 UTC`. Naive datetimes are taken to be
    UTC, as stored by the services."""
    value = value.astimezone(UTC) if value.tzinfo else value
    return f"{format_date(value, language)} {value:%H:%M:%S} UTC"


def _parse_date(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        # A full timestamp ("2026-05-29T10:00:00Z") is a date too: keep its calendar day.
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _format_number(value: int | float | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display_text(field_type: str, value: FieldValue, language: str = DEFAULT_LANGUAGE) -> str | None:
    """The text a text-like value shows, or None for values drawn otherwise or left empty; dates
    in `language` (the language of the signer who filled the field)."""
    if value is None or isinstance(value, DrawnSignature | bool):
        return None
    if isinstance(value, TypedSignature):
        return value.text
    if isinstance(value, datetime | date):
        return format_date(value, language)
    if field_type in DATE_TYPES and isinstance(value, str):
        try:
            return format_date(value, language)
        except ValueError:
            return value  # already free text: show it as the signer typed it
    if isinstance(value, int | float | Decimal):
        return _format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        # A checkbox group's ticked options.
        return ", ".join(str(item) for item in value)
    return str(value)
