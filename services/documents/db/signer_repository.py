"""SQL for signers. Callers first take the document's row lock (a conditional touch of the
document, see repository.update_document), so counts and email checks here cannot race."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from services.documents.db.repository import assignments, insert_row

SIGNER_COLUMNS: dict[str, str] = {
    "email": "email",
    "name": "name",
    "role": "role",
    "order": "signing_order",
    "phone": "phone",
    "redirectUrl": "redirect_url",
    "language": "language",
}

_ORDER = "ORDER BY signing_order, created_at, id"


async def list_signers(conn: asyncpg.Connection, document_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT * FROM documents.signers WHERE document_id = $1 {_ORDER}", document_id)


async def invited(conn: asyncpg.Connection, document_id: str, roles: Iterable[str]) -> list[asyncpg.Record]:
    """Signers with one of `roles` who have been invited (activated), in signing order."""
    return await conn.fetch(
        f"""SELECT * FROM documents.signers
            WHERE document_id = $1 AND role = ANY($2::text[]) AND activated_at IS NOT NULL {_ORDER}""",
        document_id,
        sorted(roles),
    )


async def count_signers(conn: asyncpg.Connection, document_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM documents.signers WHERE document_id = $1", document_id)


async def count_with_status(conn: asyncpg.Connection, document_id: str, status: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM documents.signers WHERE document_id = $1 AND status = $2", document_id, status
    )


async def email_taken(conn: asyncpg.Connection, document_id: str, email: str, except_id: str | None = None) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT 1 FROM documents.signers
           WHERE document_id = $1 AND lower(email) = lower($2) AND id IS DISTINCT FROM $3""",
            document_id,
            email,
            except_id,
        )
    )


async def insert_signer(
    conn: asyncpg.Connection, signer_id: str, document_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record:
    return await insert_row(conn, "signers", {"id": signer_id, "document_id": document_id, **columns})


async def find_signer(conn: asyncpg.Connection, document_id: str, signer_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM documents.signers WHERE document_id = $1 AND id = $2", document_id, signer_id
    )


async def update_signer(
    conn: asyncpg.Connection, document_id: str, signer_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    row = await conn.fetchrow(
        f"""UPDATE documents.signers SET {assignments(columns, 3)}, updated_at = now()
            WHERE document_id = $1 AND id = $2 RETURNING *""",
        document_id,
        signer_id,
        *columns.values(),
    )
    if row is not None and "signing_order" in columns:
        # Fields owned by this signer's id keep reporting their owner's order as assignedTo.
        await conn.execute(
            "UPDATE documents.fields SET assigned_to = $3, updated_at = now() WHERE document_id = $1 AND signer_id = $2",
            document_id,
            signer_id,
            row["signing_order"],
        )
    return row


async def delete_signer(conn: asyncpg.Connection, document_id: str, signer_id: str) -> asyncpg.Record | None:
    # Fields owned by the signer's id become unassigned rather than fall silently to whoever else
    # holds that order: send then names them ("Assign the field to a signer").
    await conn.execute(
        """UPDATE documents.fields SET signer_id = NULL, assigned_to = NULL, updated_at = now()
           WHERE document_id = $1 AND signer_id = $2""",
        document_id,
        signer_id,
    )
    return await conn.fetchrow(
        "DELETE FROM documents.signers WHERE document_id = $1 AND id = $2 RETURNING *", document_id, signer_id
    )
