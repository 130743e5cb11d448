"""Transactional outbox: events are written in the transaction of the change they describe,
and a relay publishes them to RabbitMQ afterwards.

`record_event` inserts into `<schema>.outbox` and NOTIFYs (delivered only on commit).
`OutboxRelay` wakes on that notification and also polls, so a row is never stranded by a missed
notification. It claims rows with `FOR UPDATE SKIP LOCKED`, publishes with confirms, and marks
them published in the same transaction: several relays never publish one row twice, and a relay
that dies before its commit leaves the rows to be published again (consumers dedupe by id).
"""

from __future__ import annotations

import asyncio
import logging
import asyncpg

from shared.broker import Broker
from shared.events import Event
from shared.logging import log_fields, request_id_var

log = logging.getLogger("countersign.outbox")

BATCH_SIZE = 100



def channel_name(schema: str) -> str:
    return f"{schema}_outbox"


async def record_event(conn: asyncpg.Connection, schema: str, event: Event) -> None:
    """Must run inside the transaction that makes the change the event describes."""
    if event.requestId is None:
        event.requestId = request_id_var.get()
    await conn.execute(
        f"INSERT INTO {schema}.outbox (event_id, event_type, body) VALUES ($1, $2, $3)",
        event.id,
        event.type,
        event.model_dump(mode="json"),
    )
    await conn.execute(f"NOTIFY {channel_name(schema)}")


class OutboxRelay:
    # How often an idle LISTEN connection is probed: a connection that died without a FIN (a
    # network partition) raises no termination callback, and would otherwise hear nothing forever.
    LISTEN_PROBE_SECONDS = 15.0
    # Pause after a failed publish before the next try, so a burst of NOTIFYs while the broker
    # is down does not turn into a busy loop.
    RETRY_SECONDS = 1.0

    def __init__(self, pool: asyncpg.Pool, broker: Broker, schema: str, database_url: str, poll_seconds: float) -> None:
        self._pool = pool
        self._broker = broker
        self._schema = schema
        self._database_url = database_url
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        # Set while a LISTEN connection is open; tests and readiness can wait on it.
        self.listening = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows it published."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"""SELECT seq, event_type, body FROM {self._schema}.outbox
                    WHERE published_at IS NULL ORDER BY seq LIMIT {BATCH_SIZE}
                    FOR UPDATE SKIP LOCKED"""
            )
            for row in rows:
                await self._broker.publish(row["event_type"], row["body"])
            if rows:
                await conn.execute(
                    f"UPDATE {self._schema}.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])",
                    [r["seq"] for r in rows],
                )
        return len(rows)

    async def publish_all_pending(self) -> int:
        total = 0
        while (published := await self.publish_pending()) > 0:
            total += published
            if published < BATCH_SIZE:
                break
        return total

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen_forever())
        try:
            while True:
                # Cleared before reading the outbox, not after: a NOTIFY that arrives while a
                # batch is being published must trigger another pass, not wait for the poll.
                self._wake.clear()
                try:
                    await self.publish_all_pending()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker or database away: keep the rows, try again
                    log.warning("outbox publish failed; will retry", extra=log_fields(schema=self._schema, error=repr(exc)))
                    await asyncio.sleep(min(self.RETRY_SECONDS, self._poll_seconds))
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
                except asyncio.TimeoutError:
                    pass
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def _listen_forever(self) -> None:
        """A dedicated LISTEN connection, reopened as soon as it is lost."""
        delay = 1.0
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox listener lost; reconnecting", extra=log_fields(schema=self._schema, error=repr(exc)))
            # Retry at once-a-second after a working connection broke; back off while the
            # database stays unreachable, so an outage is not a flood of log lines.
            delay = 1.0 if self.listening.is_set() else min(delay * 2, 10.0)
            self.listening.clear()
            await asyncio.sleep(delay)

    async def _listen_once(self) -> None:
        lost = asyncio.Event()
        conn = await asyncpg.connect(self._database_url, timeout=10)
        try:
            # Called by asyncpg when the socket closes, so a restart is noticed at once rather
            # than at the next probe.
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(channel_name(self._schema), lambda *_: self._wake.set())
            self.listening.set()
            self._wake.set()  # catch up on anything written while we were not listening
            while not conn.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), timeout=self.LISTEN_PROBE_SECONDS)
                except asyncio.TimeoutError:
                    await conn.execute("SELECT 1", timeout=5)
            raise ConnectionError("the LISTEN connection was closed")
        finally:
            # close() would wait for a server that may be gone; the listener holds no work.
            conn.terminate()
