"""The gateway's one limiter (services/gateway/ratelimit.py) against real PostgreSQL: what peek
and refund do to a window, and that several connections (replicas) share one count."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg

from services.gateway.ratelimit import HOUR, hit, peek, refund


def bucket() -> str:
    return f"test:{secrets.token_hex(8)}"


async def test_peek_reads_without_counting(db: asyncpg.Pool) -> None:
    name = bucket()
    async with db.acquire() as conn:
        empty = await peek(conn, name, HOUR, 2)
        assert (empty.hits, empty.remaining, empty.spent) == (0, 2, False)
        assert await db.fetchval("SELECT count(*) FROM gateway.rate_limits WHERE bucket = $1", name) == 0
        await hit(conn, name, HOUR, 2)
        second = await hit(conn, name, HOUR, 2)
        seen = await peek(conn, name, HOUR, 2)
    assert (seen.hits, seen.spent, seen.exceeded, seen.reset_at) == (2, True, False, second.reset_at)
    assert 0 < seen.retry_after <= HOUR


async def test_refund_gives_one_back_in_the_same_window_only(db: asyncpg.Pool) -> None:
    name = bucket()
    async with db.acquire() as conn:
        first = await hit(conn, name, HOUR, 5)
        await hit(conn, name, HOUR, 5)
        await refund(conn, name, HOUR, first)
        assert (await peek(conn, name, HOUR, 5)).hits == 1
        # A window that has ended is left alone (its row is another window's).
        await conn.execute(
            "UPDATE gateway.rate_limits SET window_start = window_start - interval '1 hour' WHERE bucket = $1", name
        )
        await refund(conn, name, HOUR, first)
        assert await db.fetchval("SELECT hits FROM gateway.rate_limits WHERE bucket = $1", name) == 1
        # Never below zero.
        await hit(conn, name, HOUR, 5)
        for _ in range(3):
            await refund(conn, name, HOUR, first)
        assert (await peek(conn, name, HOUR, 5)).hits == 0


async def test_connections_draw_on_one_count(db: asyncpg.Pool, prepared) -> None:  # type: ignore[no-untyped-def]
    name = bucket()
    other = await asyncpg.connect(prepared.database_url)  # as another replica's pool would
    try:
        async with db.acquire() as conn:
            counts = await asyncio.gather(*(hit(c, name, HOUR, 3) for c in (conn, other)))
            counts += [await hit(other, name, HOUR, 3), await hit(conn, name, HOUR, 3)]
    finally:
        await other.close()
    hits = sorted(w.hits for w in counts)
    if len({w.reset_at for w in counts}) == 1:  # not split by an hour boundary
        assert hits == [1, 2, 3, 4] and [w.exceeded for w in sorted(counts, key=lambda w: w.hits)] == [False] * 3 + [
            True
        ]


async def test_the_counters_are_unlogged(db: asyncpg.Pool) -> None:
    # Counters need no crash safety; skipping the WAL keeps the per-request write cheap.
    assert await db.fetchval("SELECT relpersistence FROM pg_class WHERE oid = 'gateway.rate_limits'::regclass") == b"u"
