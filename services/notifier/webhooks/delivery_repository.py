"""SQL for deliveries and their attempts: plain queries taking an explicit connection.

The deliveries are a leased-job queue (shared/jobs): due rows are claimed with `FOR UPDATE SKIP
LOCKED` and leased (a token and an expiry) in one short transaction, the HTTP request runs outside
any transaction, and the outcome is written only if the lease token still matches — a worker
whose lease ran out (presumed dead, its delivery re-claimed) cannot overwrite the newer attempt's
outcome. A delivery stays `pending` while leased.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from services.notifier.webhooks.next_step import NextStep
from shared.jobs import queue as jobs
from shared.jobs.queue import Lease
from shared.pagination import Cursor
from shared.tracing import current_carrier

CHANNEL = "notifier_webhooks"

# Only deliveries of active webhooks are due; the URL and secret are read in the claim, so a
# retry goes to the endpoint as it is currently configured.
DELIVERIES = jobs.JobTable(
    "notifier.webhook_deliveries",
    due="j.status = 'pending' AND j.next_attempt_at <= now()",
    order_by="j.next_attempt_at",
    join="JOIN notifier.webhooks w ON w.id = j.webhook_id AND w.status = 'active'",
    carry="w.url, w.secret",
    returning="j.id, j.webhook_id, due.url, due.secret, j.body, j.message_timestamp, j.attempts, j.retry_step, "
    "j.final_attempt, j.lease_token, j.trace_context",
    waiting_status="pending",
    dead_status="failed",
)


async def notify_workers(conn: asyncpg.Connection) -> None:
    """Wake the delivery workers; delivered on commit, so they never look before the rows exist."""
    await conn.execute(f"NOTIFY {CHANNEL}")


# Attempts shown per delivery in the API (newest first); the schedule has 9 automatic ones.
ATTEMPTS_SHOWN = 20
_DELIVERY = """id, webhook_id, event_id, event_type, status, attempts, last_response_code, last_duration_ms,
               last_error, last_attempt_at, next_attempt_at, created_at"""


async def insert_delivery(
    conn: asyncpg.Connection,
    delivery_id: str,
    webhook_id: str,
    org_id: str,
    event_id: uuid.UUID,
    event_type: str,
    body: str,
    timestamp: int,
) -> bool:
    """Queue a delivery, due now; False if this event was already queued for this webhook."""
    inserted = await conn.fetchval(
        """INSERT INTO notifier.webhook_deliveries
               (id, webhook_id, org_id, event_id, event_type, body, message_timestamp, next_attempt_at, trace_context)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)
           ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING true""",
        delivery_id,
        webhook_id,
        org_id,
        event_id,
        event_type,
        body,
        timestamp,
        current_carrier(),  # the consumer's span: the delivery worker continues its trace
    )
    if inserted:
        await notify_workers(conn)
    return bool(inserted)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, with what is needed to send it."""

    id: str
    webhook_id: str
    url: str
    stored_secret: str  # as stored: sealed (secret_store.reveal opens it)
    body: bytes
    timestamp: int
    attempts: int
    retry_step: int
    final_attempt: bool
    lease_token: uuid.UUID
    trace_context: dict[str, str] | None = None  # W3C headers of the event's trace (tracing on)

    @property
    def lease(self) -> Lease:
        return Lease(self.id, self.lease_token)


async def claim_due(conn: asyncpg.Connection, limit: int, lease_seconds: float) -> list[Claimed]:
    """Lease up to `limit` due deliveries of active webhooks. The URL and secret are read now, so
    a retry goes to the endpoint as it is currently configured."""
    rows = await jobs.claim(conn, DELIVERIES, limit, lease_seconds)
    return [
        Claimed(
            id=r["id"],
            webhook_id=r["webhook_id"],
            url=r["url"],
            stored_secret=r["secret"],
            body=r["body"].encode("utf-8"),
            timestamp=r["message_timestamp"],
            attempts=r["attempts"],
            retry_step=r["retry_step"],
            final_attempt=r["final_attempt"],
            lease_token=r["lease_token"],
            trace_context=r["trace_context"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AttemptRecord:
    succeeded: bool
    response_code: int | None
    duration_ms: int
    error: str | None


async def finish_attempt(conn: asyncpg.Connection, claimed: Claimed, attempt: AttemptRecord, step: NextStep) -> bool:
    """Write the attempt and the delivery's next state; False if the lease was lost meanwhile
    (or the webhook deleted), in which case nothing is written. Call inside a transaction,
    together with `count_outcome`."""
    updated = await jobs.settle(
        conn,
        DELIVERIES,
        claimed.lease,
        """status = $3, attempts = attempts + 1, retry_step = $4, final_attempt = false,
           next_attempt_at = CASE WHEN $5::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $5::float8) END,
           last_attempt_at = now(), last_response_code = $6, last_duration_ms = $7, last_error = $8, updated_at = now()""",
        step.status,
        step.retry_step,
        step.delay_seconds,
        attempt.response_code,
        attempt.duration_ms,
        attempt.error,
        returning="attempts",
    )
    if updated is None:
        return False
    await conn.execute(
        """INSERT INTO notifier.webhook_attempts (delivery_id, attempt, status, response_code, duration_ms, error)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        claimed.id,
        updated,
        "succeeded" if attempt.succeeded else "failed",
        attempt.response_code,
        attempt.duration_ms,
        attempt.error,
    )
    return True


async def count_outcome(conn: asyncpg.Connection, webhook_id: str, succeeded: bool, max_failures: int) -> None:
    """Consecutive failures per webhook: a success resets the count, the `max_failures`th failure
    in a row switches the webhook off (atomic, so concurrent attempts count exactly)."""
    if succeeded:
        await conn.execute(
            "UPDATE notifier.webhooks SET failure_count = 0 WHERE id = $1 AND failure_count <> 0", webhook_id
        )
        return
    await conn.execute(
        """UPDATE notifier.webhooks
           SET failure_count = failure_count + 1,
               status = CASE WHEN failure_count + 1 >= $2 THEN 'inactive' ELSE status END,
               updated_at = CASE WHEN failure_count + 1 >= $2 AND status = 'active' THEN now() ELSE updated_at END
           WHERE id = $1""",
        webhook_id,
        max_failures,
    )


async def list_deliveries(
    conn: asyncpg.Connection, webhook_id: str, after: Cursor | None, limit: int
) -> list[asyncpg.Record]:
    if after is None:
        return await conn.fetch(
            f"""SELECT {_DELIVERY} FROM notifier.webhook_deliveries WHERE webhook_id = $1
                ORDER BY created_at DESC, id DESC LIMIT $2""",
            webhook_id,
            limit,
        )
    return await conn.fetch(
        f"""SELECT {_DELIVERY} FROM notifier.webhook_deliveries WHERE webhook_id = $1 AND (created_at, id) < ($2, $3)
            ORDER BY created_at DESC, id DESC LIMIT $4""",
        webhook_id,
        after.created_at,
        after.id,
        limit,
    )


async def attempts_of(conn: asyncpg.Connection, delivery_ids: list[str]) -> dict[str, list[asyncpg.Record]]:
    """The latest attempts of each delivery (newest first), in one query for a whole page."""
    rows = await conn.fetch(
        """SELECT delivery_id, attempt, status, response_code, duration_ms, error, attempted_at FROM (
               SELECT a.*, row_number() OVER (PARTITION BY delivery_id ORDER BY id DESC) AS n
               FROM notifier.webhook_attempts a WHERE delivery_id = ANY($1::text[])) latest
           WHERE n <= $2 ORDER BY delivery_id, attempt DESC""",
        delivery_ids,
        ATTEMPTS_SHOWN,
    )
    out: dict[str, list[asyncpg.Record]] = {delivery_id: [] for delivery_id in delivery_ids}
    for row in rows:
        out[row["delivery_id"]].append(row)
    return out


async def requeue(conn: asyncpg.Connection, webhook_id: str, delivery_id: str) -> asyncpg.Record | None:
    """Due now. A finished delivery gets one more attempt (no schedule after it); a pending one is
    just brought forward, keeping its place in the schedule."""
    row = await conn.fetchrow(
        f"""UPDATE notifier.webhook_deliveries
            SET final_attempt = (status <> 'pending') OR final_attempt, status = 'pending',
                next_attempt_at = now(), updated_at = now()
            WHERE webhook_id = $1 AND id = $2 RETURNING {_DELIVERY}""",
        webhook_id,
        delivery_id,
    )
    if row is not None:
        await notify_workers(conn)
    return row


async def prune_finished(conn: asyncpg.Connection, older_than_days: int, batch: int = 1000) -> int:
    """Delete up to `batch` finished deliveries (and their attempts) older than the retention."""
    deleted = await conn.fetch(
        """DELETE FROM notifier.webhook_deliveries WHERE id IN (
               SELECT id FROM notifier.webhook_deliveries
               WHERE status <> 'pending' AND updated_at < now() - make_interval(days => $1)
               LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id""",
        older_than_days,
        batch,
    )
    return len(deleted)
