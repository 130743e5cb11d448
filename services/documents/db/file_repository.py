"""SQL of the document's file state (columns of migrations/0002_files.sql), explicit connections.

Verification results are written only where the document still waits for the very upload that
was checked (`file_key = $key AND file_status = 'awaiting_upload'`): a duplicate check (two GETs,
two replicas) or one that finished after a newer upload request changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import asyncpg

from services.documents.db.repository import LIVE

# Documents and templates hold a file the same way (templates: migrations/0014_templates.sql);
# every function here takes which table. A template is always editable, so it reads as a draft.
FileTable = Literal["documents", "templates"]
_EDITABLE_TEMPLATE = "'draft'::text AS status, NULL::text AS signed_file_key, NULL::text AS signed_file_hash"
_OWN_COLUMNS: dict[FileTable, str] = {
    "documents": "status, signed_file_key, signed_file_hash",
    "templates": _EDITABLE_TEMPLATE,
}

_FILE_STATE = """id, org_id, name, file_status, file_key, file_name, file_content_type,
    file_declared_size, file_size, document_hash, page_count, page_sizes, pdf_key, pdf_etag,
    file_etag, original_file_size, original_file_hash, file_error_code, file_error, file_verified_at,
    active_content_removed"""
FILE_COLUMNS = f"{_FILE_STATE}, {_OWN_COLUMNS['documents']}"

# Everything a previous upload determined, cleared when a new upload is requested.
_CLEARED = """file_size = NULL, document_hash = NULL, page_count = NULL, page_sizes = NULL,
    pdf_key = NULL, pdf_etag = NULL, file_etag = NULL, original_file_size = NULL, original_file_hash = NULL,
    file_error_code = NULL, file_error = NULL, file_verified_at = NULL, active_content_removed = '{}'"""


async def find_file(
    conn: asyncpg.Connection, org_id: str, document_id: str, table: FileTable = "documents"
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_FILE_STATE}, {_OWN_COLUMNS[table]} FROM documents.{table} WHERE {LIVE}", org_id, document_id
    )


async def keys_in_use(conn: asyncpg.Connection, keys: Iterable[str], *, except_document: str | None) -> set[str]:
    """Which of `keys` a live or deleted row still points at: a template's file is shared by the
    documents made from it (and a template made from a draft shares the draft's), so an object is
    deleted only once nothing refers to it. `except_document`: the row giving the key up."""
    wanted = sorted(set(keys))
    rows = await conn.fetch(
        """SELECT k FROM unnest($1::text[]) AS k
           WHERE EXISTS (SELECT 1 FROM documents.documents d
                         WHERE (d.file_key = k OR d.pdf_key = k) AND d.id IS DISTINCT FROM $2)
              OR EXISTS (SELECT 1 FROM documents.templates t
                         WHERE (t.file_key = k OR t.pdf_key = k) AND t.id IS DISTINCT FROM $2)""",
        wanted,
        except_document,
    )
    return {r["k"] for r in rows}


async def start_upload(
    conn: asyncpg.Connection,
    org_id: str,
    document_id: str,
    allowed: Iterable[str],
    *,
    file_key: str,
    file_name: str,
    content_type: str,
    declared_size: int | None,
    table: FileTable = "documents",
) -> asyncpg.Record | None:
    """Point the document (or template: always editable) at a new upload, if it is live and in
    an allowed status.

    Returns the row before the change (its old keys, for clean-up) joined with the new name."""
    status = "status = ANY($3::text[])" if table == "documents" else "cardinality($3::text[]) >= 0"
    return await conn.fetchrow(
        f"""WITH old AS (
                SELECT id, file_key, pdf_key FROM documents.{table}
                WHERE {LIVE} AND {status} FOR UPDATE)
            UPDATE documents.{table} d
            SET file_status = 'awaiting_upload', file_key = $4, file_name = $5, file_content_type = $6,
                file_declared_size = $7, file_requested_at = now(), {_CLEARED}, updated_at = now()
            FROM old WHERE d.id = old.id
            RETURNING d.name, old.file_key AS old_file_key, old.pdf_key AS old_pdf_key""",
        org_id,
        document_id,
        sorted(allowed),
        file_key,
        file_name,
        content_type,
        declared_size,
    )


async def mark_verified(
    conn: asyncpg.Connection,
    org_id: str,
    document_id: str,
    file_key: str,
    *,
    pdf_key: str,
    pdf_etag: str,
    pdf_size: int,
    pdf_sha256: str,
    page_count: int,
    page_sizes: Sequence[tuple[float, float]],
    file_etag: str,
    original_size: int,
    original_sha256: str,
    active_content_removed: Sequence[str] = (),
    table: FileTable = "documents",
) -> bool:
    row = await conn.fetchval(
        f"""UPDATE documents.{table}
            SET file_status = 'verified', pdf_key = $4, pdf_etag = $5, file_size = $6, document_hash = $7,
                page_count = $8, page_sizes = $9, file_etag = $10, original_file_size = $11,
                original_file_hash = $12, active_content_removed = $13, file_error_code = NULL, file_error = NULL,
                file_verified_at = now()
            WHERE {LIVE} AND file_key = $3 AND file_status = 'awaiting_upload'
            RETURNING id""",
        org_id,
        document_id,
        file_key,
        pdf_key,
        pdf_etag,
        pdf_size,
        pdf_sha256,
        page_count,
        [list(size) for size in page_sizes],
        file_etag,
        original_size,
        original_sha256,
        list(active_content_removed),
    )
    return row is not None


async def mark_rejected(
    conn: asyncpg.Connection,
    org_id: str,
    document_id: str,
    file_key: str,
    *,
    code: str,
    message: str,
    original_size: int | None,
    original_sha256: str | None,
    table: FileTable = "documents",
) -> bool:
    row = await conn.fetchval(
        f"""UPDATE documents.{table}
            SET file_status = 'rejected', file_error_code = $4, file_error = $5,
                original_file_size = $6, original_file_hash = $7
            WHERE {LIVE} AND file_key = $3 AND file_status = 'awaiting_upload'
            RETURNING id""",
        org_id,
        document_id,
        file_key,
        code,
        message,
        original_size,
        original_sha256,
    )
    return row is not None
