"""Verified API keys kept in the gateway process, evicted the moment the database changes them.

Without it every API request costs two statements before anything is forwarded: the address's
failed-authentication budget and the key lookup (a py-spy profile of the gateway under
`make bench` put them at 15 % and 10 % of its CPU). With it, a known key with no limit of its
own costs no statement at all.

Never stale: each gateway LISTENs on `gateway_auth` (auth_failures.CHANNEL) (shared.wakeup.Wakeup, one connection).

- `key <id>`: a key row changed (revoked, its limit or scopes edited, deleted); sent by a trigger
  on gateway.api_keys (migration 0004), whoever made the change. That key is evicted.
- `spent <seconds> <bucket>`: an address used up its failed-authentication budget (sent by
  auth_failures.record_failure, which answers that failure only once every gateway has
  confirmed). Until the window ends, every request from it is refused, cached keys included, as
  when the budget is read from the table.

The cache serves only while the listener is connected: when the connection is lost the cache is
emptied and every request goes to the database again, until a new connection has been opened
and the address budgets spent right now have been read back (`fill`). A lookup that was in
flight across an eviction or a reconnect is not cached (the `generation` check), so it cannot
put back what was just evicted.

"The next request": a NOTIFY travels on its own, so the revoking command could return before a
gateway has read it. Each gateway therefore confirms every eviction (ACK_CHANNEL), and a key
change returns only once every gateway's listener has confirmed it, or has been cut off
(key_notices.py). A request sent after `countersign keys revoke` returned fails on every
replica (tests/e2e/test_key_cache.py, two gateways); one racing the revocation may pass, as it
could without a cache. An idle connection that dies without a FIN is noticed by the Wakeup's
probe (every PROBE_SECONDS), not at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from services.gateway.auth_failures import AUTH_FAILURES, CHANNEL, FailureBudget
from services.gateway.credentials import ApiKey
from services.gateway.key_notices import ACK_CHANNEL, LISTENER_NAME, ack_notice
from services.gateway.keys import SETTINGS
from shared.db import POOL
from shared.logging import log_fields
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.gateway.key_cache")

# Bounded: a flood of distinct valid keys costs one lookup each once it is full, never memory.
MAX_KEYS = 50_000


class KeyCache:
    def __init__(self, budget: FailureBudget, pool: asyncpg.Pool) -> None:
        self._budget = budget
        self._pool = pool
        self._listener_pid = 0
        self._acks: set[asyncio.Task[None]] = set()
        self._keys: dict[bytes, ApiKey] = {}  # by the SHA-256 of the raw key
        self._digests: dict[str, bytes] = {}  # key id -> digest, for eviction by id
        self._spent: dict[str, float] = {}  # failure bucket -> monotonic time its window ends
        self._generation = 0
        self.ready = False  # the listener is connected and filled: the cache may answer

    # --- what requests ask -----------------------------------------------------------------------

    @property
    def listener_pid(self) -> int:
        """The server process of the listening connection (0 before the first)."""
        return self._listener_pid

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, digest: bytes) -> ApiKey | None:
        return self._keys.get(digest) if self.ready else None

    def put(self, digest: bytes, key: ApiKey, generation: int) -> None:
        """Keep a key looked up when the generation was `generation` (before the lookup)."""
        if not self.ready or generation != self._generation:
            return  # evicted or reconnected meanwhile: what was read may already be old
        if len(self._keys) >= MAX_KEYS:
            self._clear_keys()
        self._keys[digest] = key
        self._digests[key.id] = digest

    def spent(self, bucket: str) -> float | None:
        """Seconds left in the address's spent failure window, None when it is not spent."""
        ends = self._spent.get(bucket)
        if ends is None:
            return None
        left = ends - time.monotonic()
        if left <= 0:
            del self._spent[bucket]
            return None
        return left

    # --- what the database says ------------------------------------------------------------------

    def evict(self, key_id: str) -> None:
        self._generation += 1
        digest = self._digests.pop(key_id, None)
        if digest is not None:
            self._keys.pop(digest, None)

    def mark_spent(self, bucket: str, seconds: float) -> None:
        self._spent[bucket] = max(self._spent.get(bucket, 0.0), time.monotonic() + seconds)

    def on_payload(self, payload: str) -> None:
        kind, _, rest = payload.partition(" ")
        if kind == "key":
            self.evict(rest)
            self._acknowledge(rest)
        elif kind == "spent":
            seconds, _, bucket = rest.partition(" ")
            try:
                self.mark_spent(bucket, float(seconds))
            except ValueError:
                log.warning("unreadable notification", extra=log_fields(channel=CHANNEL))
                return
            self._acknowledge(bucket)

    def _acknowledge(self, subject: str) -> None:
        """Tell the notifier this gateway has taken note (key_notices.confirmed waits for it)."""
        task = asyncio.create_task(
            self._pool.execute("SELECT pg_notify($1, $2)", ACK_CHANNEL, ack_notice(subject, self._listener_pid))
        )
        self._acks.add(task)
        task.add_done_callback(self._acked)

    def _acked(self, task: asyncio.Task[None]) -> None:
        self._acks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Unconfirmed, the changer cuts this gateway's listener, which empties the cache.
            log.warning("could not confirm a key change", extra=log_fields(error=repr(task.exception())))

    def on_lost(self) -> None:
        self.ready = False
        self._clear_keys()
        self._spent.clear()

    async def fill(self, conn: asyncpg.Connection) -> None:
        """On a new listening connection: the failure windows spent right now, then serve."""
        rows = await conn.fetch(
            """SELECT bucket, extract(epoch FROM window_start + make_interval(secs => $2)
                                           - clock_timestamp())::float8 AS left
               FROM gateway.rate_limits
               WHERE bucket LIKE $1 AND hits >= $3
                 AND window_start + make_interval(secs => $2) > clock_timestamp()""",
            self._budget.prefix + ":%",
            float(self._budget.window_seconds),
            self._budget.limit,
        )
        for row in rows:
            self.mark_spent(row["bucket"], row["left"])
        self._listener_pid = conn.get_server_pid()
        self._generation += 1
        self.ready = True

    def _clear_keys(self) -> None:
        self._generation += 1
        self._keys.clear()
        self._digests.clear()


KEY_CACHE: web.AppKey[KeyCache] = web.AppKey("key_cache", KeyCache)


async def key_cache_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry: the cache and its listener live as long as the app."""
    cache = KeyCache(app[AUTH_FAILURES], app[POOL])
    wakeup = Wakeup(
        app[SETTINGS].database_url,
        CHANNEL,
        on_payload=cache.on_payload,
        on_listen=cache.fill,
        on_lost=cache.on_lost,
        application_name=LISTENER_NAME,  # how key_notices.confirmed finds every gateway
    )
    app[KEY_CACHE] = cache
    wakeup.start()
    yield
    await wakeup.stop()
