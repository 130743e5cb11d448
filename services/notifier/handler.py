"""What the notifier does with each event: its consumer's handler (a `SelfRecording` one,
shared/processed.py: it writes `notifier.processed_events` itself, services/notifier/processed.py).

Webhook deliveries (services/notifier/webhooks) and emails (services/notifier/emails) are queued
in one transaction with the event's record, and sent by their workers after the commit; so if
either insert fails, nothing is queued, the event is not recorded as handled, and it is
redelivered. An event that calls for no email and that no webhook subscribes to is recorded by
one statement and nothing else; unknown types are ignored, so new event types never break the
notifier.
"""

from __future__ import annotations

import logging

import asyncpg

from services.notifier.emails.enqueue import enqueue_emails, resumed
from services.notifier.emails.recipients import plan
from services.notifier.processed import claim_unless_subscribed, claim_with_webhooks
from services.notifier.webhooks.fanout import queue_deliveries
from shared.events import Event
from shared.logging import log_fields
from shared.processed import SelfRecording

log = logging.getLogger("countersign.notifier")


async def handle_once(pool: asyncpg.Pool, event: Event) -> bool:
    """Handle the event unless handled before; False for a duplicate."""
    log.debug("event received", extra=log_fields(eventId=str(event.id), type=event.type))
    if not resumed(event) and not plan(event):
        claim = await claim_unless_subscribed(pool, event)
        if not claim.subscribed:
            return claim.fresh
    async with pool.acquire() as conn, conn.transaction():
        webhook_ids = await claim_with_webhooks(conn, event)
        if webhook_ids is None:
            return False
        await queue_deliveries(conn, event, webhook_ids)
        await enqueue_emails(conn, event)
        return True


HANDLER = SelfRecording(handle_once)
