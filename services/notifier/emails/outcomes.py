"""Recording what happened to one email, each in a short transaction of its own.

- sent: right after the SMTP server accepted it, before the next email of the batch;
- transient failure (SMTP 4xx, connection trouble, the documents service away): queued again
  after the retry schedule's next delay, or dead-lettered (`failed`) after the last attempt;
- permanent failure (5xx for the recipient): `bounced`, and when the recipient is a signer a
  `signer.delivery_failed` event {signer, email, reason} written to the notifier's outbox in the
  same transaction — the documents service consumes it and puts the document on hold;
- obsolete (the link or code died before sending): `skipped`, never sent;
- held (the document is on hold for a bounce): queued again after `hold_seconds`, no attempt
  counted; enqueue.py brings it forward as soon as the document resumes.

Every write is conditional on the worker's lease (repository._finish): if the lease was lost, the
outcome is dropped and logged, because another worker owns the email now. Each recorded outcome
is counted in `countersign_emails_total` (shared/metrics.py); a dropped one is not.
"""

from __future__ import annotations

import logging

import asyncpg

from services.notifier.emails import repository as repo
from services.notifier.emails.config import EmailConfig
from services.notifier.emails.repository import Claimed
from services.notifier.emails.smtp_errors import SmtpFailure
from shared.events import Actor, Event
from shared.logging import log_fields
from shared.metrics import EMAILS
from shared.outbox import record_event

log = logging.getLogger("countersign.notifier.emails")

SCHEMA = "notifier"


def _lost(claimed: Claimed, outcome: str) -> None:
    log.warning("email lease lost; outcome dropped", extra=log_fields(emailId=claimed.id, outcome=outcome))


async def sent(pool: asyncpg.Pool, claimed: Claimed) -> None:
    async with pool.acquire() as conn:
        if not await repo.mark_sent(conn, claimed):
            _lost(claimed, "sent")
            return
    EMAILS.labels(claimed.context.kind, "sent").inc()
    log.info(
        "email sent", extra=log_fields(emailId=claimed.id, kind=claimed.context.kind, eventId=str(claimed.event_id))
    )


async def skipped(pool: asyncpg.Pool, claimed: Claimed, reason: str) -> None:
    async with pool.acquire() as conn:
        if not await repo.mark_final(conn, claimed, "skipped", reason, attempted=False):
            _lost(claimed, "skipped")
            return
    EMAILS.labels(claimed.context.kind, "skipped").inc()
    log.info("email skipped: obsolete", extra=log_fields(emailId=claimed.id, kind=claimed.context.kind, reason=reason))


async def transient(pool: asyncpg.Pool, claimed: Claimed, reason: str, config: EmailConfig) -> None:
    async with pool.acquire() as conn:
        outcome = await repo.mark_failed_attempt(conn, claimed, config.schedule, reason)
    if not outcome.recorded:
        _lost(claimed, "transient failure")
        return
    EMAILS.labels(claimed.context.kind, "failed" if outcome.retry_in is None else "retrying").inc()
    fields = log_fields(
        emailId=claimed.id,
        kind=claimed.context.kind,
        attempts=claimed.attempts + 1,
        reason=reason,
        retryIn=outcome.retry_in,
    )
    if outcome.retry_in is None:
        log.error("email dead-lettered after its last attempt", extra=fields)
    else:
        log.warning("email attempt failed; will retry", extra=fields)


async def held(pool: asyncpg.Pool, claimed: Claimed, reason: str, config: EmailConfig) -> None:
    async with pool.acquire() as conn:
        if not await repo.mark_held(conn, claimed, config.hold_seconds, reason):
            _lost(claimed, "held")
            return
    EMAILS.labels(claimed.context.kind, "held").inc()
    log.info("email held: the document is on hold", extra=log_fields(emailId=claimed.id, kind=claimed.context.kind))


def delivery_failed_event(claimed: Claimed, reason: str) -> Event:
    """{signer, email, reason}, plus the document's `name` and `sender` like the other events
    emails are written from (the sender is told, and must fix the address)."""
    ctx = claimed.context
    signer = ctx.recipient.model_dump(include={"id", "name", "email", "role", "order"})
    sender = ctx.sender.model_dump() if ctx.sender else None
    return Event(
        type="signer.delivery_failed",
        orgId=claimed.org_id,
        documentId=claimed.document_id,
        actor=Actor(type="system"),
        requestId=claimed.request_id,
        data={
            "signer": signer,
            "email": claimed.recipient,
            "reason": reason,
            "name": ctx.documentName,
            "sender": sender,
        },
    )


async def bounced(pool: asyncpg.Pool, claimed: Claimed, reason: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        if not await repo.mark_final(conn, claimed, "bounced", reason):
            _lost(claimed, "bounced")
            return
        # Only a signer's bounce can be fixed by the sender (PATCH of the signer); the sender's
        # own address bouncing stays a dead letter.
        if claimed.signer_id is not None and claimed.document_id is not None:
            await record_event(conn, SCHEMA, delivery_failed_event(claimed, reason))
    EMAILS.labels(claimed.context.kind, "bounced").inc()
    log.warning("email bounced", extra=log_fields(emailId=claimed.id, kind=claimed.context.kind, reason=reason))


async def failure(pool: asyncpg.Pool, claimed: Claimed, smtp: SmtpFailure, config: EmailConfig) -> None:
    if smtp.permanent:
        await bounced(pool, claimed, smtp.reason)
    else:
        await transient(pool, claimed, smtp.reason, config)
