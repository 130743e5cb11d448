"""What the notifier does with each event.

The Consumer has already recorded the event id in `notifier.processed_events` in the same
transaction this runs in. No event sends mail yet (invitations and completion emails arrive with
the signing flow); unknown types are ignored, so new event types never break the notifier.
"""

from __future__ import annotations

import logging

import asyncpg

from shared.events import Event
from shared.logging import log_fields

log = logging.getLogger("countersign.notifier")


async def handle(conn: asyncpg.Connection, event: Event) -> None:
    log.debug("event received", extra=log_fields(eventId=str(event.id), type=event.type))
