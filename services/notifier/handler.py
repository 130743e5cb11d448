"""What the notifier does with each event.

The Consumer has already recorded the event id in `notifier.processed_events` in the same
transaction this runs in. Emails are queued here (services/notifier/emails) and sent by the
send worker after the commit; unknown types are ignored, so new event types never break the
notifier. (Webhook deliveries are queued before this, by `webhooks.with_webhooks`.)
"""

from __future__ import annotations

import logging

import asyncpg

from services.notifier.emails.enqueue import enqueue_emails
from shared.events import Event
from shared.logging import log_fields

log = logging.getLogger("countersign.notifier")


async def handle(conn: asyncpg.Connection, event: Event) -> None:
    log.debug("event received", extra=log_fields(eventId=str(event.id), type=event.type))
    await enqueue_emails(conn, event)
