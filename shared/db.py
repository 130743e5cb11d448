"""PostgreSQL connection pools (asyncpg).

Each service opens one pool at start-up (in a cleanup_ctx) and passes explicit connections to
its repository functions. JSON and JSONB columns decode to Python objects with orjson.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import orjson
from aiohttp import web

from shared.metrics import METRICS
from shared.settings import Settings

POOL: web.AppKey[asyncpg.Pool] = web.AppKey("db_pool", asyncpg.Pool)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # Binary format: faster (no text round trip), and it lets asyncpg decode rows that contain
    # json columns inside composite values (arrays of table rows), which text codecs cannot.
    # jsonb's binary form is a version byte (1) followed by the JSON text.
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        format="binary",
        encoder=lambda value: b"\x01" + orjson.dumps(value),
        decoder=lambda data: orjson.loads(data[1:]),
    )
    await conn.set_type_codec("json", schema="pg_catalog", format="binary", encoder=orjson.dumps, decoder=orjson.loads)


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """A connection goes back to the pool as it is, once asyncpg has rolled back any open
    transaction (which it always does). asyncpg's default reset also sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release: one more
    round trip per request, 11 % of the gateway's CPU in a py-spy profile under `make bench`.
    Our code leaves no session state to undo: advisory locks are transaction-scoped
    (pg_advisory_xact_lock), settings are SET LOCAL, cursors live in transactions, and whoever
    LISTENs on a pooled connection removes its listener (asyncpg then UNLISTENs)."""


async def create_pool(settings: Settings, *, min_size: int | None = None, max_size: int | None = None) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min if min_size is None else min_size,
        max_size=settings.db_pool_max if max_size is None else max_size,
        init=_init_connection,
        reset=_keep_session,
        # Connections broken by a PostgreSQL restart are dropped and reopened by the pool;
        # a bounded lifetime also spreads load after a failover, and hands back what a burst
        # opened (the test suite sets it short: its many pools share one max_connections).
        max_inactive_connection_lifetime=settings.db_pool_idle_seconds,
        command_timeout=30,
    )
    assert pool is not None
    return pool


def pool_ctx(settings: Settings):  # type: ignore[no-untyped-def]
    """cleanup_ctx entry: the app's pool lives exactly as long as the app."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        pool = app[POOL] = await create_pool(settings)
        if METRICS in app:
            app[METRICS].watch_pool(pool.get_size, pool.get_idle_size, pool.get_max_size)
        yield
        await app[POOL].close()

    return ctx


async def check_database(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
