"""The gateway's one rate limiter: fixed-window counters shared by every replica (PostgreSQL).

Every limit of both public APIs draws on it: the inSigner API's per-key budget (per minute), its
per-action budgets (webhook creations per member per hour), the failed-authentication budget per
client IP, and the WPsigner surface's per-credential (per hour) and per-IP budgets. A budget is a
`bucket` name plus a window length; callers own the policy (limit, what counts, how to refuse).

Why fixed windows: a request is one upsert on one row (bucket, window start) that adds 1 and
returns the count, so replicas can never both let the 121st request through (the row lock
serialises them) and no replica keeps a count of its own. A sliding window would need either
a log of timestamps per bucket or two rows per request; the price of the fixed window — a
client may spend two budgets back to back around a boundary — is what the reference's
`RateLimit-Reset` ("seconds until the window resets") describes anyway.

Why PostgreSQL and not Redis: the gateway already holds a pool to it for every authenticated
request (the key lookup), so a counter is one more statement on a connection we have, with no
new server to run, secure and monitor. The table is UNLOGGED (migration 0003): counters need no
crash safety, and skipping the WAL keeps the per-request write cheap. Windows are aligned to the
database clock (the same for all replicas) rather than to a bucket's first request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import asyncpg

HOUR = 3600
MINUTE = 60

# The window a timestamp falls in, aligned to multiples of its length since the epoch.
_WINDOW_START = "to_timestamp((floor(extract(epoch FROM {now}) / $2::int) * $2::int)::float8)"


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
    def spent(self) -> bool:
        """No request is left: the next one would exceed the limit."""
        return self.hits >= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.hits, 0)

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1, so a client never retries at once)."""
        return max(math.ceil(self.reset_at - self.now), 1)


def standard_headers(window: Window) -> dict[str, str]:
    """The inSigner API's headers (the reference's rate-limits page): RateLimit-Reset in seconds."""
    return {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(window.remaining),
        "RateLimit-Reset": str(window.retry_after),
    }


async def hit(conn: asyncpg.Connection, bucket: str, window_seconds: int, limit: int) -> Window:
    """Count one request in the bucket's current window and return the window's state."""
    row = await conn.fetchrow(
        f"""WITH clock AS (SELECT clock_timestamp() AS now)
           INSERT INTO gateway.rate_limits AS r (bucket, window_start, hits)
           SELECT $1, {_WINDOW_START.format(now="clock.now")}, 1 FROM clock
           ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
           RETURNING r.hits, extract(epoch FROM r.window_start)::bigint AS start,
                     extract(epoch FROM clock_timestamp())::float8 AS now""",
        bucket,
        window_seconds,
    )
    if row["hits"] == 1:
        # The first request of a bucket's new window clears every window that ended over an
        # hour ago (any bucket's: addresses that never come back must not stay forever).
        await conn.execute(
            "DELETE FROM gateway.rate_limits WHERE window_start < to_timestamp($1::float8) - interval '2 hours'",
            row["start"],
        )
    return Window(limit, row["hits"], row["start"] + window_seconds, row["now"])


async def peek(conn: asyncpg.Connection, bucket: str, window_seconds: int, limit: int) -> Window:
    """The bucket's current window without counting anything (a primary-key read)."""
    row = await conn.fetchrow(
        f"""WITH clock AS (SELECT clock_timestamp() AS now),
                 w AS (SELECT {_WINDOW_START.format(now="clock.now")} AS start, clock.now FROM clock)
           SELECT coalesce(r.hits, 0) AS hits, extract(epoch FROM w.start)::bigint AS start,
                  extract(epoch FROM w.now)::float8 AS now
           FROM w LEFT JOIN gateway.rate_limits r ON r.bucket = $1 AND r.window_start = w.start""",
        bucket,
        window_seconds,
    )
    return Window(limit, row["hits"], row["start"] + window_seconds, row["now"])


async def refund(conn: asyncpg.Connection, bucket: str, window_seconds: int, window: Window) -> None:
    """Give back one request counted by `hit` in `window` (for budgets that count only what
    succeeded: the hit reserves, a failure refunds). A window that has ended is left alone."""
    await conn.execute(
        """UPDATE gateway.rate_limits SET hits = hits - 1
           WHERE bucket = $1 AND window_start = to_timestamp($2::float8) AND hits > 0""",
        bucket,
        window.reset_at - window_seconds,
    )
