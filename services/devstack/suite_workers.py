"""How many pytest-xdist workers `make test` can run against this PostgreSQL.

Each worker runs whole systems (four services with their pools and listeners, and for the replica
and crash tests two of each), so a worker needs up to CONNECTIONS_PER_WORKER connections at its
peak. Three workers on a server with PostgreSQL's default `max_connections = 100` ran out
("sorry, too many clients already") and failed dozens of tests; so `make test` asks here, and
runs fewer workers, down to one process, rather than fail, saying why on stderr.
"""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from shared.migrate import _with_database
from shared.settings import Settings

# A worker's peak, sampled from pg_stat_activity every 0.1 s over a whole `-n 2` run (2026-12-05,
# bench/README.md): 39, while test_audit_consumer's concurrent appends and its two audit replicas
# ran beside the idle session system; 35 during the crash test's eight processes. (It was 63
# before the test gateways, the idle pools and the LISTEN connections were cut down.)
CONNECTIONS_PER_WORKER = 40
HEADROOM = 5  # psql, a `make run` beside the tests, the cleaner


def workers_that_fit(wanted: int, max_connections: int, in_use: int) -> int:
    """`wanted` workers, or as many as the free connections hold; 0 means one process (no xdist)."""
    fit = (max_connections - in_use - HEADROOM) // CONNECTIONS_PER_WORKER
    workers = min(wanted, fit)
    return workers if workers >= 2 else 0


async def _connections(settings: Settings) -> tuple[int, int]:
    conn = await asyncpg.connect(_with_database(settings.database_url, "postgres"))
    try:
        limit = int(await conn.fetchval("SHOW max_connections"))
        used = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        return limit, int(used)
    finally:
        await conn.close()


def suite_workers(settings: Settings, wanted: int) -> int:
    limit, used = asyncio.run(_connections(settings))
    workers = workers_that_fit(wanted, limit, used)
    if workers < wanted:
        print(
            f"countersign: PostgreSQL allows {limit} connections ({used} in use): running the tests in "
            + (f"{workers} workers" if workers else "one process")
            + f" instead of {wanted} (each needs up to {CONNECTIONS_PER_WORKER}; raise max_connections for more)",
            file=sys.stderr,
        )
    return workers
