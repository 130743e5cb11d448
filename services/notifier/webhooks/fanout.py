"""From events to deliveries: the notifier's consumer hook for webhooks.

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
from shared.broker import EventHandler
from shared.events import Event
from shared.ids import prefixed_id


async def enqueue_deliveries(conn: asyncpg.Connection, event: Event) -> int:
    """Queue the event for every subscribed webhook; returns how many deliveries were queued."""
    webhook_ids = await repo.subscribed_webhooks(conn, event.orgId, event.type)
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


def with_webhooks(handler: EventHandler) -> EventHandler:
    """`handler` (the notifier's emails) preceded by the webhook fan-out, in one transaction.

    Neither talks to the outside here: the fan-out inserts delivery rows and the email handler
    queues emails, both sent by their workers after the commit. So if either fails, the
    transaction rolls back whole: nothing is queued, the event is not recorded as handled, and it
    is redelivered.
    """

    async def handle(conn: asyncpg.Connection, event: Event) -> None:
        await enqueue_deliveries(conn, event)
        await handler(conn, event)

    return handle
