"""Transactional outbox: events are written in the transaction of the change they describe,
and a relay publishes them to RabbitMQ afterwards.

`record_event` (`record_events`, for several) inserts into `<schema>.outbox` and NOTIFYs
(delivered only on commit) in one statement; with tracing on, the row keeps the W3C context of
the request that wrote it, and the relay publishes it under that trace (the message headers
carry it on to the consumers).
`OutboxRelay` is a job worker (shared/jobs): it wakes on that notification and also polls, so a
row is never stranded by a missed notification. It claims rows with `FOR UPDATE SKIP LOCKED` for
the length of one transaction and marks them published in the same statement
(`claim_locked_writing`), publishes them all at once with confirms, and only then commits:
several relays never publish one row twice, and a relay that fails or dies before its commit
leaves the rows to be published again (consumers dedupe by id). Up to IN_FLIGHT batches
are on their way at once, each in its own transaction (SKIP LOCKED keeps them apart), so rows
written while one batch waits for its confirms do not wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Literal

import asyncpg
from asyncpg.transaction import Transaction
from opentelemetry.trace import SpanKind

from shared.broker import Broker
from shared.events import Event
from shared.jobs import queue as jobs
from shared.jobs.worker import AT_ONCE, JobWorker
from shared.logging import request_id_var
from shared.tracing import continued, current_carrier
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.outbox")

BATCH_SIZE = 100


def channel_name(schema: str) -> str:
    return f"{schema}_outbox"


async def record_event(conn: asyncpg.Connection, schema: str, event: Event) -> None:
    """Must run inside the transaction that makes the change the event describes."""
    await record_events(conn, schema, [event])


async def record_events(conn: asyncpg.Connection, schema: str, events: Sequence[Event]) -> None:
    """Several events of one change, in their order: `record_event` for each, in one statement.
    (A send invites every participant of the first turn: one `signer.invited` each.)"""
    if not events:
        return
    request_id = request_id_var.get()
    for event in events:
        if event.requestId is None:
            event.requestId = request_id
    # One statement, one round trip: the rows and their wake-up (PostgreSQL folds a transaction's
    # identical notifications into one, delivered on commit). An INSERT and a NOTIFY per event
    # were two round trips each: 406 of each for 45 lifecycles (nine events each) under the bench.
    await conn.execute(
        f"""WITH inserted AS (
                INSERT INTO {schema}.outbox (event_id, event_type, body, trace_context)
                SELECT u.event_id, u.event_type, u.body, $4
                FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS u(event_id, event_type, body, n)
                ORDER BY u.n
                RETURNING 1)
            SELECT pg_notify('{channel_name(schema)}', '') FROM inserted LIMIT 1""",
        [event.id for event in events],
        [event.type for event in events],
        [event.model_dump(mode="json") for event in events],
        # The request's trace, so the relay's publish (later, elsewhere) continues it.
        current_carrier(),
    )


# A scrape counts the backlog up to this many rows: cheap even during the outage it reports.
BACKLOG_COUNT_CAP = 100_000


async def backlog(conn: asyncpg.Connection, schema: str) -> tuple[int, float]:
    """Events not yet published (up to BACKLOG_COUNT_CAP), and the age in seconds of the oldest
    (0 when there is none). Both read the partial index of unpublished rows."""
    row = await conn.fetchrow(
        f"""SELECT (SELECT count(*) FROM (SELECT 1 FROM {schema}.outbox WHERE published_at IS NULL LIMIT $1) AS due)
                       AS waiting,
                   COALESCE(EXTRACT(EPOCH FROM now() - (
                       SELECT created_at FROM {schema}.outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1)), 0)
                       AS oldest_age""",
        BACKLOG_COUNT_CAP,
    )
    assert row is not None
    return int(row["waiting"]), float(row["oldest_age"])


def outbox_jobs(schema: str) -> jobs.JobTable:
    return jobs.JobTable(
        f"{schema}.outbox",
        due="j.published_at IS NULL",
        order_by="j.seq",
        key="seq",
        returning="j.seq, j.event_type, j.body, j.trace_context",
    )


class OutboxRelay:
    # Pause after a failed publish before the next try, so a burst of NOTIFYs while the broker
    # is down does not turn into a busy loop.
    RETRY_SECONDS = 1.0
    # Batches on their way at once: a row written while a batch waits for the broker's confirms
    # is claimed and published beside it instead of after it (that wait was the first hop of
    # send -> audit entry under the lifecycle load). Each holds a pooled connection meanwhile.
    IN_FLIGHT = 2

    def __init__(self, pool: asyncpg.Pool, broker: Broker, schema: str, database_url: str, poll_seconds: float) -> None:
        self._pool = pool
        self._broker = broker
        self._schema = schema
        self._jobs = outbox_jobs(schema)
        self._in_flight = asyncio.Semaphore(self.IN_FLIGHT)
        self._batches: set[asyncio.Task[None]] = set()
        # A batch that failed in the background: the next pass raises it, so the worker pauses.
        self._failed: BaseException | None = None
        self._wakeup = Wakeup(database_url, channel_name(schema))
        self._worker = JobWorker(
            f"outbox:{schema}",
            self._pass,
            wakeup=self._wakeup,
            poll_seconds=poll_seconds,
            error_pause_seconds=self.RETRY_SECONDS,
            logger=log,
            failed_message="outbox publish failed; will retry",
        )

    @property
    def listening(self) -> asyncio.Event:
        """Set while the LISTEN connection is open; tests and readiness can wait on it."""
        assert self._worker.listening is not None
        return self._worker.listening

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows it published."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await self._claim(conn)
            await self._publish(rows)
        return len(rows)

    async def _claim(self, conn: asyncpg.Connection) -> list[asyncpg.Record]:
        """Lock a batch and mark it published, in one statement of the batch's transaction; the
        mark counts only if the transaction commits, which it does after the broker confirmed
        every row (a failure rolls it back). The claim and the mark were two statements: ~7 of
        each per lifecycle under the bench."""
        return await jobs.claim_locked_writing(conn, self._jobs, BATCH_SIZE, "published_at = now()")

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        """Inside the claiming transaction: publish the rows, all confirmed, or raise."""
        # All at once, in order on the channel: the broker confirms them together instead of
        # one round trip (and disk write) after another. One failure rolls the batch back
        # (those already confirmed go out again; consumers dedupe by id).
        outcomes = await asyncio.gather(*(self._publish_one(row) for row in rows), return_exceptions=True)
        if failed := next((o for o in outcomes if isinstance(o, BaseException)), None):
            raise failed

    async def _publish_one(self, row: asyncpg.Record) -> None:
        # Parented on the trace of the request that wrote the row, not on this relay's pass.
        attributes = {"messaging.system": "rabbitmq", "messaging.operation.type": "publish"}
        with continued(row["trace_context"], f"outbox publish {row['event_type']}", SpanKind.PRODUCER, attributes):
            await self._broker.publish(row["event_type"], row["body"])

    async def publish_all_pending(self) -> int:
        total = 0
        while (published := await self.publish_pending()) > 0:
            total += published
            if published < BATCH_SIZE:
                break
        return total

    async def _pass(self) -> float | None | Literal["at once"]:
        """Claim a batch and publish it in the background, up to IN_FLIGHT at once."""
        if (failed := self._failed) is not None:
            self._failed = None
            raise failed  # the worker logs it and pauses RETRY_SECONDS
        await self._in_flight.acquire()
        try:
            conn = await self._pool.acquire()
        except BaseException:
            self._in_flight.release()
            raise
        transaction = conn.transaction()
        try:
            await transaction.start()
        except BaseException:
            await self._release(conn)
            raise
        try:
            rows = await self._claim(conn)
        except BaseException:
            await self._end(conn, transaction, commit=False)
            raise
        if not rows:
            await self._end(conn, transaction, commit=True)
            return None  # wait for a NOTIFY (one that came during this pass returns at once) or the poll
        batch = asyncio.create_task(self._deliver(conn, transaction, rows))
        self._batches.add(batch)
        batch.add_done_callback(self._batches.discard)
        # A full batch leaves more to publish at once; otherwise wait for a NOTIFY or the poll.
        return AT_ONCE if len(rows) == BATCH_SIZE else None

    async def _deliver(self, conn: asyncpg.Connection, transaction: Transaction, rows: list[asyncpg.Record]) -> None:
        try:
            try:
                await self._publish(rows)
            except BaseException:
                await self._end(conn, transaction, commit=False)
                raise
            await self._end(conn, transaction, commit=True)
        except Exception as exc:
            self._failed = exc
            self._wakeup.set()  # the next pass reports it at once

    async def _end(self, conn: asyncpg.Connection, transaction: Transaction, *, commit: bool) -> None:
        """Commit (raises if it fails) or roll back the batch's transaction; the connection and
        the slot go back either way."""
        try:
            if commit:
                await transaction.commit()
            else:
                # A connection that broke cannot roll back; the server ends its transaction.
                with contextlib.suppress(Exception):
                    await transaction.rollback()
        finally:
            await self._release(conn)

    async def _release(self, conn: asyncpg.Connection) -> None:
        try:
            await self._pool.release(conn)
        finally:
            self._in_flight.release()

    async def run(self) -> None:
        try:
            await self._worker.run()
        except asyncio.CancelledError:
            for batch in self._batches:
                batch.cancel()
            raise
        finally:
            # Stopping: the batches on their way are published and marked; cancelled: they are
            # cancelled too, and roll back (their rows go out again).
            if self._batches:
                await asyncio.gather(*self._batches, return_exceptions=True)

    def stop(self) -> None:
        """End `run` after the batches in flight (a graceful shutdown)."""
        self._worker.stop()
