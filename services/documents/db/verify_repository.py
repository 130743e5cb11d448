"""What our records say about a file's SHA-256 (SQL; the indexes are migration 0008's).

Deleted documents are left out, as everywhere: their sealed files verify as `sealed-unrecorded`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.contracts.verify import RecordMatch


@dataclass(frozen=True, slots=True)
class SealedDocument:
    id: str
    name: str
    org_id: str
    page_count: int | None
    completed_at: datetime | None


async def sealed_document(conn: asyncpg.Connection, sha256: str) -> SealedDocument | None:
    row = await conn.fetchrow(
        """SELECT id, name, org_id, page_count, completed_at FROM documents.documents
           WHERE signed_file_hash = $1 AND deleted_at IS NULL ORDER BY completed_at LIMIT 1""",
        sha256,
    )
    return SealedDocument(**dict(row)) if row else None


async def is_an_original(conn: asyncpg.Connection, sha256: str) -> bool:
    """The file is a document's original: as uploaded, or the PDF sent for signature."""
    return bool(
        await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM documents.documents
                          WHERE (document_hash = $1 OR original_file_hash = $1) AND deleted_at IS NULL)""",
            sha256,
        )
    )


async def match(conn: asyncpg.Connection, sha256: str) -> tuple[RecordMatch, SealedDocument | None]:
    document = await sealed_document(conn, sha256)
    if document is not None:
        return "sealed", document
    return ("original" if await is_an_original(conn, sha256) else "none"), None
