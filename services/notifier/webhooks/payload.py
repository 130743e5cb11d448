"""The JSON body a webhook receives for an event (pure).

Shape (docs/webhooks.md has an example for every event type):

    {"id": "<event id>", "event": "<type>", "createdAt": "<ISO 8601>",
     "actor": {"type": "api_key|signer|system", "id": ...},
     "data": {"documentId": ..., ...the event's payload (docs/events.md)}}

`event` and `data` are the names the reference's receiver examples read (`event.event`,
`event.data`). `id` is the event's id: the same event sent to two webhooks has one `id` but two
delivery ids (`webhook-id`). The actor's IP address and user agent stay out of the body: they
are personal data the audit trail keeps, not something to spread to every subscriber.
"""

from __future__ import annotations

from typing import Any

import orjson

from shared.events import Event
from shared.timefmt import iso


def webhook_payload(event: Event) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "event": event.type,
        "createdAt": iso(event.occurredAt),
        "actor": {"type": event.actor.type, "id": event.actor.id},
        "data": {"documentId": event.documentId, **event.data},
    }


def webhook_body(event: Event) -> bytes:
    """Compact JSON: the exact bytes that are signed and sent, stored once and resent as they are."""
    return orjson.dumps(webhook_payload(event))


def event_timestamp(event: Event) -> int:
    """Unix seconds of the event, kept with each delivery (delivery_repository.insert_delivery).
    Attempts are signed with their own time, not this one (signing.py)."""
    return int(event.occurredAt.timestamp())
