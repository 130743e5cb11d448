"""The one set of queries for rows that belong to a parent row and are reached through it: a
document's fields, a template's fields and roles. Each query names the parent, so a row of
another parent (of another organisation, once the caller has found the parent in its own) is
never read, changed or deleted. Callers take the parent's row lock first, so counts cannot race.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.documents.db.repository import assignments, insert_row


@dataclass(frozen=True)
class ChildRows:
    table: str  # in the documents schema; names are ours, never input
    parent: str  # the column naming the parent row
    order: str  # the ORDER BY of a listing

    async def list(self, conn: asyncpg.Connection, parent_id: str) -> list[asyncpg.Record]:
        return await conn.fetch(
            f"SELECT * FROM documents.{self.table} WHERE {self.parent} = $1 ORDER BY {self.order}", parent_id
        )

    async def count(self, conn: asyncpg.Connection, parent_id: str) -> int:
        return await conn.fetchval(f"SELECT count(*) FROM documents.{self.table} WHERE {self.parent} = $1", parent_id)

    async def insert(
        self, conn: asyncpg.Connection, row_id: str, parent_id: str, columns: Mapping[str, Any]
    ) -> asyncpg.Record:
        return await insert_row(conn, self.table, {"id": row_id, self.parent: parent_id, **columns})

    async def find(self, conn: asyncpg.Connection, parent_id: str, row_id: str) -> asyncpg.Record | None:
        return await conn.fetchrow(
            f"SELECT * FROM documents.{self.table} WHERE {self.parent} = $1 AND id = $2", parent_id, row_id
        )

    async def update(
        self, conn: asyncpg.Connection, parent_id: str, row_id: str, columns: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        return await conn.fetchrow(
            f"""UPDATE documents.{self.table} SET {assignments(columns, 3)}, updated_at = now()
                WHERE {self.parent} = $1 AND id = $2 RETURNING *""",
            parent_id,
            row_id,
            *columns.values(),
        )

    async def delete(self, conn: asyncpg.Connection, parent_id: str, row_id: str) -> asyncpg.Record | None:
        return await conn.fetchrow(
            f"DELETE FROM documents.{self.table} WHERE {self.parent} = $1 AND id = $2 RETURNING *", parent_id, row_id
        )
