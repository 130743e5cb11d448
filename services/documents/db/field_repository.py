"""SQL for fields. Callers first take the document's row lock (a conditional touch of the
document, see repository.update_document), so the per-document cap cannot race."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.db.repository import assignments, insert_row

FIELD_COLUMNS: dict[str, str] = {
    "type": "type",
    "label": "label",
    "page": "page",
    "x": "x",
    "y": "y",
    "width": "width",
    "height": "height",
    "required": "required",
    "readOnly": "read_only",
    "assignedTo": "assigned_to",
    "placeholder": "placeholder",
    "options": "options",
    "defaultValue": "default_value",
    "validation": "validation",
    "group": "field_group",
    "format": "format",
    "signerId": "signer_id",
    "formula": "formula",
}

# Reading order on the page: top to bottom, then left to right (y grows downwards).
_ORDER = "ORDER BY page, y, x, id"


async def list_fields(conn: asyncpg.Connection, document_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT * FROM documents.fields WHERE document_id = $1 {_ORDER}", document_id)


async def count_fields(conn: asyncpg.Connection, document_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM documents.fields WHERE document_id = $1", document_id)


async def insert_field(
    conn: asyncpg.Connection, field_id: str, document_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record:
    return await insert_row(conn, "fields", {"id": field_id, "document_id": document_id, **columns})


async def find_field(conn: asyncpg.Connection, document_id: str, field_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM documents.fields WHERE document_id = $1 AND id = $2", document_id, field_id
    )


async def update_field(
    conn: asyncpg.Connection, document_id: str, field_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""UPDATE documents.fields SET {assignments(columns, 3)}, updated_at = now()
            WHERE document_id = $1 AND id = $2 RETURNING *""",
        document_id,
        field_id,
        *columns.values(),
    )


async def delete_field(conn: asyncpg.Connection, document_id: str, field_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "DELETE FROM documents.fields WHERE document_id = $1 AND id = $2 RETURNING *", document_id, field_id
    )
