"""Formatting of values on the signed PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.documents.pdf.models import DrawnSignature, TypedSignature
from services.documents.pdf.values import display_text, format_date, format_datetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 5, 29), "May 29, 2026"),
        (datetime(2026, 1, 2, 23, 0), "January 2, 2026"),
        ("2026-12-31", "December 31, 2026"),
        ("2026-05-29T10:00:00Z", "May 29, 2026"),
    ],
)
def test_format_date(value: object, expected: str) -> None:
    assert format_date(value) == expected  # type: ignore[arg-type]


def test_format_datetime_is_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2026, 5, 29, 16, 3, 11, tzinfo=paris)) == "May 29, 2026 14:03:11 UTC"
    assert format_datetime(datetime(2026, 5, 29, 14, 3, 11)) == "May 29, 2026 14:03:11 UTC"
    assert format_datetime(datetime(2026, 5, 29, 14, 3, 11, tzinfo=UTC)) == "May 29, 2026 14:03:11 UTC"


@pytest.mark.parametrize(
    ("field_type", "value", "expected"),
    [
        ("text", "Acme", "Acme"),
        ("number", 42, "42"),
        ("number", 3.0, "3"),
        ("number", Decimal("12.50"), "12.50"),
        ("date", "2026-05-29", "May 29, 2026"),
        ("date", "next Tuesday", "next Tuesday"),
        ("date_signed", date(2026, 5, 29), "May 29, 2026"),
        ("checkbox_group", ["Red", "Blue"], "Red, Blue"),
        ("signature", TypedSignature("Jane Doe"), "Jane Doe"),
        ("checkbox", True, None),
        ("signature", DrawnSignature(b"png"), None),
        ("text", None, None),
    ],
)
def test_display_text(field_type: str, value: object, expected: str | None) -> None:
    assert display_text(field_type, value) == expected  # type: ignore[arg-type]
