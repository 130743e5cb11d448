"""Timestamps on the wire: ISO 8601 UTC with milliseconds and `Z`, as the inSigner examples."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
