"""Fixed-window rate limits shared by every gateway replica (gateway.rate_limits, PostgreSQL).

Why PostgreSQL and not Redis: the gateway already holds a pool to it for every authenticated
request (the key lookup), so a counter is one more statement on a connection we have, with no
new server to run, secure and monitor; the upsert serialises concurrent hits on the row lock, so
replicas can never both let the 1,001st request through. At WPsigner's rates (1,000 per hour per
key) the row-lock contention is nil. Windows are aligned to the database clock (the same for all
replicas) rather than to the first request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import asyncpg

HOUR = 3600
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    hits: int
    reset_at: int  # Unix time at which the window ends
    now: float  # database clock, Unix time

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.hits, 0)

    @property
    def retry_after(self) -> int:
        return max(math.ceil(self.reset_at - self.now), 1)


def limit_headers(window: Window) -> dict[str, str]:
    """The headers every authenticated WPsigner answer carries (docs/wpsigner.md)."""
    return {
        "X-RateLimit-Limit": str(window.limit),
        "X-RateLimit-Remaining": str(window.remaining),
        "X-RateLimit-Reset": str(window.reset_at),
    }


async def hit(conn: asyncpg.Connection, bucket: str, window_seconds: int, limit: int) -> Window:
    """Count one request in the bucket's current window and return the window's state."""
    row = await conn.fetchrow(
        """WITH clock AS (SELECT clock_timestamp() AS now)
           INSERT INTO gateway.rate_limits AS r (bucket, window_start, hits)
           SELECT $1, to_timestamp((floor(extract(epoch FROM clock.now) / $2::int) * $2::int)::float8), 1 FROM clock
           ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
           RETURNING r.hits, extract(epoch FROM r.window_start)::bigint AS start,
                     extract(epoch FROM clock_timestamp())::float8 AS now""",
        bucket, window_seconds)
    if row["hits"] == 1:
        # The first request of a bucket's new window clears every window that ended over an
        # hour ago (any bucket's: addresses that never come back must not stay forever).
        await conn.execute(
            "DELETE FROM gateway.rate_limits WHERE window_start < to_timestamp($1::float8) - interval '2 hours'",
            row["start"])
    return Window(limit, row["hits"], row["start"] + window_seconds, row["now"])
