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
from shared.wakeup import Wakeup

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
    # Pause after a failed publish before the next try, so a burst of NOTIFYs while the broker
    # is down does not turn into a busy loop.
    RETRY_SECONDS = 1.0

    def __init__(self, pool: asyncpg.Pool, broker: Broker, schema: str, database_url: str, poll_seconds: float) -> None:
        self._pool = pool
        self._broker = broker
        self._schema = schema
        self._database_url = database_url
        self._poll_seconds = poll_seconds
        self._wakeup = Wakeup(database_url, channel_name(schema))
        # Set while the LISTEN connection is open; tests can wait on it.
        self.listening = self._wakeup.listening

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
        self._wakeup.start()
        try:
            while True:
                try:
                    await self.publish_all_pending()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker or database away: keep the rows, try again
                    log.warning("outbox publish failed; will retry", extra=log_fields(schema=self._schema, error=repr(exc)))
                    await asyncio.sleep(min(self.RETRY_SECONDS, self._poll_seconds))
                # A NOTIFY that arrived while a batch was being published is still set here, so
                # it triggers another pass at once instead of waiting for the poll.
                await self._wakeup.wait(self._poll_seconds)
        finally:
            await self._wakeup.stop()
