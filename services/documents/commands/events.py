"""Recording the documents service's events, in the transaction of the change they describe.

Payload contract (the `data` of each type; the envelope is shared.events.Event):

- document.created / document.deleted: {"name"}
- document.updated: {"name" (after the update), "changes": [camelCase properties changed]}
- signer.added / signer.removed: {"signer": {"id", "name", "email", "role", "order"}}
- signer.updated: {"signer": {... after the update}, "changes": [...]}
- field.added / field.removed: {"field": {"id", "type", "label", "page", "assignedTo"}}
- field.updated: {"field": {... after the update}, "changes": [...]}
"""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.context import RequestContext
from shared.events import Actor, Event
from shared.outbox import record_event, record_events

SCHEMA = "documents"


async def emit(
    conn: asyncpg.Connection, ctx: RequestContext, org_id: str, document_id: str, event_type: str, data: dict[str, Any]
) -> None:
    """Must run inside the change's transaction: the change and its event commit together."""
    event = Event(type=event_type, orgId=org_id, documentId=document_id, actor=Actor.from_context(ctx), data=data)
    await record_event(conn, SCHEMA, event)


async def emit_all(
    conn: asyncpg.Connection,
    ctx: RequestContext,
    org_id: str,
    document_id: str,
    events: list[tuple[str, dict[str, Any]]],
) -> None:
    """`emit` for each (type, data), in order, in one statement."""
    actor = Actor.from_context(ctx)
    await record_events(
        conn,
        SCHEMA,
        [Event(type=kind, orgId=org_id, documentId=document_id, actor=actor, data=data) for kind, data in events],
    )
