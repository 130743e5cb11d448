"""SQL for attachments. Callers first take the document's row lock (service.lock_for_edit), so
the per-document cap and the next `order` cannot race."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.db.repository import insert_row

_ORDER = "ORDER BY position, created_at, id"


async def list_attachments(conn: asyncpg.Connection, document_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT * FROM documents.attachments WHERE document_id = $1 {_ORDER}", document_id)


async def find_attachment(conn: asyncpg.Connection, document_id: str, attachment_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM documents.attachments WHERE document_id = $1 AND id = $2", document_id, attachment_id
    )


async def count_and_next_position(conn: asyncpg.Connection, document_id: str) -> tuple[int, int]:
    """(how many the sender attached — signers' uploads into attachment fields do not count
    against the sender's cap —, the `order` a new one gets: after the last, never reused)."""
    row = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE field_id IS NULL) AS n, coalesce(max(position) + 1, 0) AS next
           FROM documents.attachments WHERE document_id = $1""",
        document_id,
    )
    return row["n"], row["next"]


async def for_field(conn: asyncpg.Connection, field_id: str) -> asyncpg.Record | None:
    """The file a signer uploaded into an attachment field (one per field)."""
    return await conn.fetchrow("SELECT * FROM documents.attachments WHERE field_id = $1", field_id)


async def delete_for_field(conn: asyncpg.Connection, field_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("DELETE FROM documents.attachments WHERE field_id = $1 RETURNING *", field_id)


async def insert_attachment(
    conn: asyncpg.Connection, attachment_id: str, document_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record:
    return await insert_row(conn, "attachments", {"id": attachment_id, "document_id": document_id, **columns})


async def delete_attachment(conn: asyncpg.Connection, document_id: str, attachment_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "DELETE FROM documents.attachments WHERE document_id = $1 AND id = $2 RETURNING *", document_id, attachment_id
    )
