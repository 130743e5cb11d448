"""SQL of bulk sends (migrations/0018_bulk_sends.sql). Every query is scoped by organisation, so
another organisation's bulk send looks exactly like a missing one. The per-status counts of
bulk sends' documents are one grouped query over the documents (index documents_by_bulk_send),
for one bulk send or a whole page of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from services.documents.db.keyset import page_query
from services.documents.db.repository import insert_row
from shared.pagination import Cursor


async def insert_bulk_send(conn: asyncpg.Connection, columns: Mapping[str, Any]) -> asyncpg.Record:
    return await insert_row(conn, "bulk_sends", columns)


async def find_bulk_send(conn: asyncpg.Connection, org_id: str, bulk_send_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM documents.bulk_sends WHERE org_id = $1 AND id = $2", org_id, bulk_send_id)


async def list_bulk_sends(
    conn: asyncpg.Connection, org_id: str, *, status: str | None, after: Cursor | None, limit: int
) -> list[asyncpg.Record]:
    """One page, newest first, by keyset (created_at, id), as documents are listed."""
    # Bulk sends are never deleted: no deleted_at column.
    q = page_query(org_id, live_only=False, equals={"status": status}, after=after, limit=limit)
    return await conn.fetch(f"SELECT * FROM documents.bulk_sends WHERE {q.where} {q.order_limit}", *q.args)


async def status_counts(
    conn: asyncpg.Connection, org_id: str, bulk_send_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """{bulk send id: {document status: count}} of live documents, in one grouped query."""
    rows = await conn.fetch(
        """SELECT bulk_send_id, status, count(*) AS n FROM documents.documents
           WHERE bulk_send_id = ANY($2::text[]) AND org_id = $1 AND deleted_at IS NULL
           GROUP BY bulk_send_id, status""",
        org_id,
        list(bulk_send_ids),
    )
    counts: dict[str, dict[str, int]] = {i: {} for i in bulk_send_ids}
    for row in rows:
        counts[row["bulk_send_id"]][row["status"]] = row["n"]
    return counts
