"""SQL: what each participant did, read back from the documents service's own outbox.

Every signer event is written to `documents.outbox` in the transaction of the change it records,
with the actor's IP and user agent as the gateway saw them, and the relay marks rows published
but never deletes them: the outbox is this service's own record of who did what, when, from where.
The ids of those events are what the audit service is asked to cover with the chain head that the
certificate prints (docs/signed-pdf.md).

The query reads the outbox by the envelope's documentId (index outbox_by_document, migration 0010), once
per completed document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg


async def participant_events(conn: asyncpg.Connection, document_id: str, kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Each signer event of the document, oldest first: {signer_id, type, at, ip, user_agent}."""
    rows: Sequence[asyncpg.Record] = await conn.fetch(
        """SELECT event_type, body->'data'->'signer'->>'id' AS signer_id, body->>'occurredAt' AS occurred_at,
                  body->'actor'->>'ip' AS ip, body->'actor'->>'userAgent' AS user_agent
           FROM documents.outbox
           WHERE body->>'documentId' = $1 AND event_type = ANY($2::text[])
           ORDER BY seq""",
        document_id,
        sorted(kinds),
    )
    return [
        {
            "signer_id": r["signer_id"],
            "type": r["event_type"],
            "at": datetime.fromisoformat(r["occurred_at"]),
            "ip": r["ip"],
            "user_agent": r["user_agent"],
        }
        for r in rows
    ]


async def emitted_event_ids(conn: asyncpg.Connection, document_id: str) -> list[str]:
    """The id of every event this service emitted about the document so far (the envelope's id,
    which the audit service keeps on the entry it makes of it), oldest first."""
    rows: Sequence[asyncpg.Record] = await conn.fetch(
        "SELECT event_id::text AS id FROM documents.outbox WHERE body->>'documentId' = $1 ORDER BY seq", document_id
    )
    return [r["id"] for r in rows]
