"""From events to queued emails: the notifier consumer's email step.

Runs in the consumer's transaction, the one that records the event id in
`notifier.processed_events`: an email row exists if and only if its event was handled, and a
redelivered event adds nothing (the consumer skips it, and `(event_id, lower(recipient))` is
unique besides). Nothing is sent here — SMTP is slow and fails — the send worker does that after
the commit, woken by the NOTIFY each insert makes.
"""

from __future__ import annotations

import logging

import asyncpg

from services.notifier.emails import repository as repo
from services.notifier.emails.recipients import plan
from shared.events import Event
from shared.ids import prefixed_id
from shared.logging import log_fields

log = logging.getLogger("countersign.notifier.emails")


def resumed(event: Event) -> bool:
    """A document back to pending after a hold (services/documents/commands/delivery_failures.py)."""
    changes = event.data.get("changes")
    return (
        event.type == "document.updated"
        and isinstance(changes, list)
        and "status" in changes
        and event.data.get("status") == "pending"
        and event.documentId is not None
    )


async def enqueue_emails(conn: asyncpg.Connection, event: Event) -> int:
    """Queue the emails `event` calls for; returns how many were queued."""
    if resumed(event):
        # Invitations held while the document was on hold can go out now, not at their recheck.
        if await repo.bring_forward(conn, event.documentId or ""):
            await repo.notify_workers(conn)
    queued = 0
    for context in plan(event):
        if await repo.insert_email(
            conn,
            prefixed_id("em"),
            event_id=event.id,
            event_type=event.type,
            org_id=event.orgId,
            document_id=event.documentId,
            request_id=event.requestId,
            context=context,
        ):
            queued += 1
    if queued:  # each insert woke the send workers (on commit)
        log.info("emails queued", extra=log_fields(eventId=str(event.id), type=event.type, count=queued))
    return queued
