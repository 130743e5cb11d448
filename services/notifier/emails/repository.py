"""SQL of the email outbox (notifier.emails): plain queries on an explicit connection.

The table is a leased-job queue (shared/jobs): due rows — queued ones whose time has come, and
`sending` ones whose lease ran out (their worker died) — are claimed with `FOR UPDATE SKIP LOCKED`
and leased in one short transaction; SMTP runs outside any transaction; each outcome is written
only while the lease token still matches, so a worker that lost its lease cannot overwrite a
newer outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from services.notifier.emails.model import MailContext
from shared.jobs import queue as jobs
from shared.jobs.queue import Lease
from shared.jobs.schedule import RetrySchedule
from shared.tracing import current_carrier

CHANNEL = "notifier_emails"
MAX_ERROR = jobs.MAX_ERROR

# queued → sending (leased) → sent | queued again (retry, later) | failed (dead letter) | bounced | skipped.
# A `sending` row always holds a lease (a CHECK in the table), so the claim's lease test picks
# up exactly the `sending` rows whose worker died.
EMAILS = jobs.JobTable(
    "notifier.emails",
    due="(j.status = 'queued' AND j.next_attempt_at <= now()) OR j.status = 'sending'",
    on_claim="status = 'sending'",
    on_write="updated_at = now()",
    worker="claimed_by",
    returning="j.id, j.event_id, j.org_id, j.document_id, j.signer_id, j.recipient, j.context, j.attempts, "
    "j.lease_token, j.request_id, j.trace_context",
    waiting_status="queued",
    dead_status="failed",
)


async def insert_email(
    conn: asyncpg.Connection,
    email_id: str,
    *,
    event_id: uuid.UUID,
    event_type: str,
    org_id: str,
    document_id: str | None,
    request_id: str | None,
    context: MailContext,
) -> bool:
    """Queue one email and wake the send workers (delivered on commit); False when this event
    already has one for this address (then neither). One statement: the insert and its NOTIFY
    were two round trips of the consumer's transaction, on the path of every invitation."""
    inserted = await conn.fetchrow(
        f"""WITH inserted AS (
                INSERT INTO notifier.emails
                    (id, event_id, event_type, kind, org_id, document_id, signer_id, recipient, context, request_id,
                     trace_context)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT DO NOTHING RETURNING true)
            SELECT pg_notify('{CHANNEL}', '') FROM inserted""",
        email_id,
        event_id,
        event_type,
        context.kind,
        org_id,
        document_id,
        context.recipient.id,
        context.recipient.email,
        context.model_dump(mode="json"),
        request_id,
        current_carrier(),  # the consumer's span: the send worker continues its trace
    )
    return inserted is not None


async def notify_workers(conn: asyncpg.Connection) -> None:
    """Wake the send workers; delivered on commit, so they never look before the rows exist."""
    await conn.execute(f"NOTIFY {CHANNEL}")


@dataclass(frozen=True)
class Claimed:
    id: str
    event_id: uuid.UUID
    org_id: str
    document_id: str | None
    signer_id: str | None
    recipient: str
    context: MailContext
    attempts: int  # made before this one
    lease_token: uuid.UUID
    request_id: str | None
    trace_context: dict[str, str] | None = None  # W3C headers of the event's trace (tracing on)

    @property
    def lease(self) -> Lease:
        return Lease(self.id, self.lease_token)


def _claimed(row: asyncpg.Record) -> Claimed:
    return Claimed(
        id=row["id"],
        event_id=row["event_id"],
        org_id=row["org_id"],
        document_id=row["document_id"],
        signer_id=row["signer_id"],
        recipient=row["recipient"],
        context=MailContext.model_validate(row["context"]),
        attempts=row["attempts"],
        lease_token=row["lease_token"],
        request_id=row["request_id"],
        trace_context=row["trace_context"],
    )


async def claim_due(conn: asyncpg.Connection, limit: int, lease_seconds: float, worker: str) -> list[Claimed]:
    return [_claimed(r) for r in await jobs.claim(conn, EMAILS, limit, lease_seconds, worker)]


async def mark_sent(conn: asyncpg.Connection, claimed: Claimed) -> bool:
    """False when the lease was lost (another worker owns the email now), as for every outcome."""
    return bool(
        await jobs.settle(
            conn, EMAILS, claimed.lease, "status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = NULL"
        )
    )


async def mark_failed_attempt(
    conn: asyncpg.Connection, claimed: Claimed, schedule: RetrySchedule, error: str
) -> jobs.Failed:
    """Queued again after the schedule's next delay, or dead-lettered (`failed`) after the last attempt."""
    return await jobs.fail(conn, EMAILS, claimed.lease, schedule, claimed.attempts + 1, error)


async def mark_held(conn: asyncpg.Connection, claimed: Claimed, delay_seconds: float, reason: str) -> bool:
    """Not attempted (the document is on hold): later, without counting an attempt."""
    return bool(
        await jobs.settle(
            conn,
            EMAILS,
            claimed.lease,
            "status = 'queued', next_attempt_at = now() + make_interval(secs => $3), last_error = $4",
            delay_seconds,
            reason[:MAX_ERROR],
        )
    )


async def bring_forward(conn: asyncpg.Connection, document_id: str) -> int:
    """Make a document's waiting emails due now (it resumed after a hold)."""
    result = await conn.execute(
        """UPDATE notifier.emails SET next_attempt_at = now(), updated_at = now()
           WHERE document_id = $1 AND status = 'queued' AND next_attempt_at > now()""",
        document_id,
    )
    return int(result.split()[-1])


async def mark_final(
    conn: asyncpg.Connection, claimed: Claimed, status: str, error: str, *, attempted: bool = True
) -> bool:
    """`failed` (attempts used up), `bounced` (permanent refusal) or `skipped` (obsolete)."""
    assert status in ("failed", "bounced", "skipped")
    return bool(
        await jobs.settle(
            conn,
            EMAILS,
            claimed.lease,
            f"status = $3, attempts = attempts + {1 if attempted else 0}, last_error = $4",
            status,
            error[:MAX_ERROR],
        )
    )


async def release(conn: asyncpg.Connection, claimed: list[Claimed]) -> None:
    """Give back claimed emails that were not attempted (shutdown, or the SMTP session broke
    before their turn): due again at once, no attempt counted."""
    await jobs.release(conn, EMAILS, [c.lease for c in claimed], "status = 'queued'")


async def seconds_until_next(conn: asyncpg.Connection) -> float | None:
    """How long until the next queued email is due or a lease runs out (None: nothing waits)."""
    value = await conn.fetchval(
        """SELECT extract(epoch FROM least(
                      (SELECT min(next_attempt_at) FROM notifier.emails WHERE status = 'queued'),
                      (SELECT min(lease_expires_at) FROM notifier.emails WHERE status = 'sending')) - now())"""
    )
    return None if value is None else max(0.0, float(value))


async def dead_letters(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Emails that will not be sent: `failed` after their last attempt, or `bounced`; newest first."""
    return await conn.fetch(
        """SELECT id, event_id, event_type, kind, org_id, document_id, signer_id, recipient, status, attempts,
                  last_error, created_at, updated_at
           FROM notifier.emails WHERE status IN ('failed', 'bounced') ORDER BY updated_at DESC, id LIMIT $1""",
        limit,
    )


async def requeue_failed(conn: asyncpg.Connection, email_id: str) -> bool:
    """Try a dead-lettered (`failed`) email again from scratch, e.g. after fixing SMTP settings."""
    return bool(
        await conn.fetchval(
            """UPDATE notifier.emails SET status = 'queued', attempts = 0, next_attempt_at = now(), updated_at = now()
           WHERE id = $1 AND status = 'failed' RETURNING true""",
            email_id,
        )
    )
