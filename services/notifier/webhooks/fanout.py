"""From events to deliveries: the notifier consumer's webhook step (services/notifier/handler.py).

For each event, one delivery row per active webhook of the event's organisation that subscribes
to its type, inserted in the consumer's transaction (the one that records the event id in
`notifier.processed_events`). So a delivery exists if and only if the event was handled, and a
redelivered event creates nothing new (the consumer skips it; `(webhook_id, event_id)` is
unique besides). Sending happens later, in the delivery worker, outside this transaction.
"""

from __future__ import annotations

import asyncpg

from services.notifier.webhooks import delivery_repository as deliveries
from services.notifier.webhooks import repository as repo
from services.notifier.webhooks.payload import event_timestamp, webhook_body
from shared.events import Event
from shared.ids import prefixed_id


async def enqueue_deliveries(conn: asyncpg.Connection, event: Event) -> int:
    """Queue the event for every subscribed webhook; returns how many deliveries were queued."""
    return await queue_deliveries(conn, event, await repo.subscribed_webhooks(conn, event.orgId, event.type))


async def queue_deliveries(conn: asyncpg.Connection, event: Event, webhook_ids: list[str]) -> int:
    """Queue the event for these webhooks (the consumer looked them up with the event's record,
    services/notifier/processed.py); returns how many deliveries were queued."""
    if not webhook_ids:
        return 0
    body = webhook_body(event).decode("utf-8")
    timestamp = event_timestamp(event)
    queued = 0
    for webhook_id in webhook_ids:
        if await deliveries.insert_delivery(
            conn, prefixed_id("whd"), webhook_id, event.orgId, event.id, event.type, body, timestamp
        ):
            queued += 1
    return queued
