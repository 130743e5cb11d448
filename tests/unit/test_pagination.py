"""Cursor encoding and the limit parameter of every list endpoint."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from shared.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_meta,
    parse_limit,
)
from shared.problems import Problem


def test_cursor_round_trip() -> None:
    when = datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
    cursor = decode_cursor(encode_cursor(when, "cm5x9abc123def456ghi789jk"))
    assert cursor.created_at == when
    assert cursor.id == "cm5x9abc123def456ghi789jk"


def test_cursor_round_trip_keeps_offset() -> None:
    when = datetime(2025, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert decode_cursor(encode_cursor(when, "log_1")).created_at == when


def test_cursor_is_url_safe_and_unpadded() -> None:
    value = encode_cursor(datetime.now(UTC), "sr_" + "z" * 40)
    assert "=" not in value and "+" not in value and "/" not in value


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        "garbage!!",
        "x",
        "cm5x9abc123",
        _b64(b"not json"),
        _b64(orjson.dumps({"a": 1})),
        _b64(orjson.dumps(["2025-01-01T00:00:00+00:00"])),
        _b64(orjson.dumps(["2025-01-01T00:00:00+00:00", "a", "b"])),
        _b64(orjson.dumps(["yesterday", "doc"])),
        _b64(orjson.dumps(["2025-01-01T00:00:00", "doc"])),  # naive: ambiguous, refused
        _b64(orjson.dumps([12, "doc"])),
        "",  # `cursor=`: given, but nothing we issued
    ],
)
def test_garbage_cursor_is_400_problem(value: str) -> None:
    with pytest.raises(Problem) as excinfo:
        decode_cursor(value)
    body = excinfo.value.to_dict()
    assert body["status"] == 400
    assert body["errors"] == [{"field": "cursor", "message": "Invalid cursor"}]


@pytest.mark.parametrize(("raw", "expected"), [(None, DEFAULT_LIMIT), ("1", 1), ("25", 25), ("100", 100), ("007", 7)])
def test_parse_limit_accepts(raw: str | None, expected: int) -> None:
    assert parse_limit(raw) == expected


@pytest.mark.parametrize(
    "raw", ["0", "101", "-1", "1000000", "abc", "1.5", "1e2", "ten", "", " 5", "5 ", "+5", "1_0", "\u0665", "5\n"]
)
def test_parse_limit_rejects(raw: str) -> None:
    with pytest.raises(Problem) as excinfo:
        parse_limit(raw)
    assert excinfo.value.status == 400
    assert excinfo.value.to_dict()["errors"][0]["field"] == "limit"


def test_page_request_from_query() -> None:
    when = datetime(2025, 5, 1, tzinfo=UTC)
    page = PageRequest.from_query({"limit": "10", "cursor": encode_cursor(when, "d1")})
    assert page.limit == 10
    assert page.cursor is not None and page.cursor.id == "d1" and page.cursor.created_at == when
    assert PageRequest.from_query({}) == PageRequest(DEFAULT_LIMIT, None)


def test_page_meta() -> None:
    when = datetime(2025, 5, 1, tzinfo=UTC)
    more = page_meta([{}] * 2, rows_fetched=3, limit=2, last_key=(when, "d2"))
    assert more["count"] == 2 and more["hasMore"] is True
    assert decode_cursor(more["nextCursor"]).id == "d2"
    last = page_meta([{}] * 2, rows_fetched=2, limit=2, last_key=(when, "d2"))
    assert last == {"count": 2, "hasMore": False, "nextCursor": None}
    assert MAX_LIMIT == 100


@pytest.mark.parametrize(
    "forged",
    [
        ["2026-01-01T00:00:00+00:00", "c\x00abc"],  # NUL bytes never reach SQL
        ["2026-01-01T00:00:00+00:00", "x" * 65],  # longer than any id we issue
        ["0001-01-01T00:00:00+14:00", "cabc"],  # overflows when converted to UTC
    ],
)
def test_forged_cursors_are_refused_before_sql(forged: list[str]) -> None:
    raw = base64.urlsafe_b64encode(orjson.dumps(forged)).decode().rstrip("=")
    with pytest.raises(Problem) as caught:
        decode_cursor(raw)
    assert caught.value.status == 400
