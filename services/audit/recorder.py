"""Turning an event into an audit entry: the consumer's handler.

`record_once` (the service's handler) records the event id in `audit.processed_events` in the
statement that locks the chain head; `record` runs inside a transaction of
`shared.broker.Consumer` that records it. Either way an entry, its chain link and the dedupe
record commit together or not at all, and a redelivered event appends nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC

import asyncpg

from services.audit import repository
from services.audit.chain import ChainedEntry, EntryRecord, append
from services.audit.details import describe
from services.audit.repository import ChainHead
from shared.events import Event
from shared.geo import GeoLocator
from shared.ids import prefixed_id
from shared.logging import log_fields
from shared.processed import processed_insert

log = logging.getLogger("countersign.audit.recorder")

# Client-supplied strings are bounded so a caller cannot bloat the permanent trail.
MAX_USER_AGENT = 1000
MAX_IP = 64


def _bounded(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


async def record(conn: asyncpg.Connection, event: Event, geo: GeoLocator) -> ChainedEntry | None:
    """Append the event to its document's chain; None for events about no document."""
    if event.documentId is None:
        return None  # organisation-level events have no document trail to join
    # Taking the head's lock first serialises appends to this document across all consumers.
    head = await repository.lock_chain_head(conn, event.orgId, event.documentId)
    return await _append(conn, event, head, geo)


async def record_once(pool: asyncpg.Pool, event: Event, geo: GeoLocator) -> bool:
    """The consumer's handler (a `SelfRecording` one): `record` with the event's dedupe record
    written by the head's lock (4 round trips per event instead of 5); False for a duplicate."""
    if event.documentId is None:  # nothing to append: the record alone, a statement of its own
        return bool(await pool.fetchval(processed_insert("audit"), event.id, event.type))
    async with pool.acquire() as conn, conn.transaction():
        head = await repository.claim_and_lock_chain_head(conn, event, event.documentId)
        if head is None:
            return False
        await _append(conn, event, head, geo)
        return True


async def _append(conn: asyncpg.Connection, event: Event, head: ChainHead, geo: GeoLocator) -> ChainedEntry | None:
    assert event.documentId is not None
    occurred_at = event.occurredAt if event.occurredAt.tzinfo else event.occurredAt.replace(tzinfo=UTC)
    city, country = geo.lookup(event.actor.ip)
    entry = append(
        head.hash,
        EntryRecord(
            id=prefixed_id("log"),
            org_id=event.orgId,
            document_id=event.documentId,
            event_id=str(event.id),
            position=head.position + 1,
            action=event.type,
            details=describe(event),
            actor_type=event.actor.type,
            actor_id=event.actor.id,
            ip_address=_bounded(event.actor.ip, MAX_IP),
            user_agent=_bounded(event.actor.userAgent, MAX_USER_AGENT),
            geo_city=city,
            geo_country=country,
            created_at=occurred_at.astimezone(UTC),
        ),
    )
    if not await repository.append_entry(conn, entry):  # the entry and the head's move, together
        log.info("event already in the audit trail", extra=log_fields(eventId=str(event.id), type=event.type))
        return None
    return entry
