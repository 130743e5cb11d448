"""Cursor pagination, shared by every list endpoint.

A cursor is the position of the last item of a page: its sort key and id, base64url-encoded so
clients treat it as opaque. Lists use keyset queries `(sort_key, id) < (cursor)` (or `>` for
ascending lists), so concurrent inserts never shift or repeat items, and no OFFSET is used.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from shared.problems import FieldError, Problem

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# ASCII digits only: int() would also take " 5", "+5", "1_0" and other scripts' digits, which the
# OpenAPI document's `integer` does not describe.
_DIGITS = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: str


def encode_cursor(created_at: datetime, item_id: str) -> str:
    raw = orjson.dumps([created_at.isoformat(), item_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    try:
        if not value:
            raise ValueError("empty")
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        created_at, item_id = orjson.loads(raw)
        cursor = Cursor(datetime.fromisoformat(created_at), str(item_id))
        # A cursor is client input: anything we could not have issued is refused here, before
        # it reaches SQL (naive or overflowing timestamps, NULs, oversized ids).
        if cursor.created_at.tzinfo is None or "\x00" in cursor.id or len(cursor.id) > 64:
            raise ValueError("not a cursor we issued")
        cursor.created_at.astimezone(UTC)  # OverflowError near datetime.min/max
        return cursor
    except Exception:
        raise Problem(
            400, "The cursor is not valid", errors=[FieldError("cursor", "Invalid cursor")], slug="invalid-cursor"
        ) from None


def parse_limit(value: str | None) -> int:
    """`limit` absent is the default; given, even empty (`limit=`), it must be 1–100."""
    if value is None:
        return DEFAULT_LIMIT
    limit = int(value) if _DIGITS.fullmatch(value) else 0
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(
            400,
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            errors=[FieldError("limit", f"Must be 1–{MAX_LIMIT}")],
            slug="invalid-query",
        )
    return limit


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: Cursor | None

    @classmethod
    def from_query(cls, query: object) -> PageRequest:
        get = query.get  # type: ignore[attr-defined]
        raw_cursor = get("cursor")
        # An empty `cursor=` is not a cursor we issued: 400, as for `limit=`.
        return cls(parse_limit(get("limit")), decode_cursor(raw_cursor) if raw_cursor is not None else None)


def page_meta(items: list[dict], rows_fetched: int, limit: int, last_key: tuple[datetime, str] | None) -> dict:
    """`meta` of a list response; callers fetch `limit + 1` rows to learn `hasMore`."""
    has_more = rows_fetched > limit
    return {
        "count": len(items),
        "hasMore": has_more,
        "nextCursor": encode_cursor(*last_key) if has_more and last_key else None,
    }
