"""SQL of the WPsigner surface's internal queries (commands/wp_internal.py): numbered documents,
page/per_page lists with a total, the fuller detail, and the permanent delete.

Everything is scoped by organisation and skips soft-deleted rows, like db/repository.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from services.documents.db import repository as documents_repo

_LIST_COLUMNS = """d.number, d.id, d.name, d.status, d.file_name, d.page_count, d.expires_at, d.completed_at,
    d.created_at, d.updated_at, d.created_by,
    EXISTS (SELECT 1 FROM documents.signers s WHERE s.document_id = d.id AND s.viewed_at IS NOT NULL) AS any_viewed"""

_DETAIL_COLUMNS = (
    _LIST_COLUMNS
    + """, d.file_status, d.file_error_code, d.file_error, d.document_hash,
    d.file_content_type, d.signed_file_hash"""
)

_SIGNER_COLUMNS = """number, id, name, email, role, signing_order, status, viewed_at, signed_at, declined_at,
    decline_reason, created_at, updated_at"""

_FIELD_COLUMNS = """number, id, type, label, page, x, y, width, height, required, read_only, assigned_to,
    placeholder, default_value, options, created_at, updated_at"""

# Child tables a permanent delete empties before the document row itself.
_CHILD_TABLES = ("field_values", "attachments", "fields", "signers")  # attachments name fields and signers


def _where(
    org_id: str, statuses: Sequence[str], viewed: bool | None, name_pattern: str | None, creators: Sequence[str] | None
) -> tuple[str, list[Any]]:
    where = ["d.org_id = $1", "d.deleted_at IS NULL"]
    args: list[Any] = [org_id]
    if len(statuses) == 1:
        # Equality, not ANY: the planner then reads the (org_id, status, created_at, id) index in order.
        args.append(statuses[0])
        where.append(f"d.status = ${len(args)}")
    elif statuses:
        args.append(list(statuses))
        where.append(f"d.status = ANY(${len(args)}::text[])")
    if viewed is not None:
        args.append(viewed)
        where.append(
            f"EXISTS (SELECT 1 FROM documents.signers s WHERE s.document_id = d.id "
            f"AND s.viewed_at IS NOT NULL) = ${len(args)}"
        )
    if name_pattern:
        args.append(name_pattern)
        where.append(f"d.name ILIKE ${len(args)}")
    if creators is not None:
        args.append(list(creators))
        where.append(f"d.created_by = ANY(${len(args)}::text[])")
    return " AND ".join(where), args


async def list_page(
    conn: asyncpg.Connection,
    org_id: str,
    *,
    statuses: Sequence[str],
    viewed: bool | None,
    name_pattern: str | None,
    creators: Sequence[str] | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """One page, newest first, and the total matching (run both in one snapshot).

    The total: filtered by status alone (or not at all), it is read from the exact counters
    (migrations/0012), never counted; with a viewed, title or creator filter it is counted over
    the matching rows, a cost that grows with the matches (docs/wpsigner.md#list).

    The page: OFFSET skips through the index alone (ids and sort keys, an index-only scan when
    only statuses filter), and the page's own rows are read afterwards; a page in the back half
    is read from the oldest end, so no page skips more than half the matching rows."""
    where, args = _where(org_id, statuses, viewed, name_pattern, creators)
    if viewed is None and not name_pattern and creators is None:
        total = await documents_repo.count_live_documents(conn, org_id, statuses)
    else:
        total = int(await conn.fetchval(f"SELECT count(*) FROM documents.documents d WHERE {where}", *args))
    if offset >= total:
        return [], total
    take = min(limit, total - offset)
    from_oldest = total - offset - take < offset
    order, skip = ("ASC", total - offset - take) if from_oldest else ("DESC", offset)
    rows = await conn.fetch(
        f"""WITH picked AS (
                SELECT d.id FROM documents.documents d WHERE {where}
                ORDER BY d.created_at {order}, d.id {order} LIMIT ${len(args) + 1} OFFSET ${len(args) + 2})
            SELECT {_LIST_COLUMNS} FROM picked JOIN documents.documents d ON d.id = picked.id
            ORDER BY d.created_at DESC, d.id DESC""",
        *args,
        take,
        skip,
    )
    return list(rows), total


async def find_ref(conn: asyncpg.Connection, org_id: str, ref: str) -> asyncpg.Record | None:
    """A reference is a WPsigner number (digits only) or a core id (which never is all digits)."""
    condition, value = ("d.number = $2", int(ref)) if ref.isdigit() else ("d.id = $2", ref)
    return await conn.fetchrow(
        f"""SELECT d.number, d.id, d.name, d.status, d.created_by FROM documents.documents d
            WHERE d.org_id = $1 AND {condition} AND d.deleted_at IS NULL""",
        org_id,
        value,
    )


async def detail(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {_DETAIL_COLUMNS} FROM documents.documents d
            WHERE d.org_id = $1 AND d.id = $2 AND d.deleted_at IS NULL""",
        org_id,
        document_id,
    )


async def detail_signers(conn: asyncpg.Connection, document_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_SIGNER_COLUMNS} FROM documents.signers WHERE document_id = $1
            ORDER BY signing_order, created_at, id""",
        document_id,
    )


async def detail_fields(conn: asyncpg.Connection, document_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_FIELD_COLUMNS} FROM documents.fields WHERE document_id = $1
            ORDER BY page, y, x, id""",
        document_id,
    )


async def object_keys(conn: asyncpg.Connection, document_id: str) -> list[str]:
    """Every S3 key the document's rows name (upload, verified PDF, signed PDF, attachments)."""
    row = await conn.fetchrow(
        "SELECT file_key, pdf_key, signed_file_key FROM documents.documents WHERE id = $1", document_id
    )
    attachments = await conn.fetch("SELECT file_key FROM documents.attachments WHERE document_id = $1", document_id)
    keys = [row["file_key"], row["pdf_key"], row["signed_file_key"], *(a["file_key"] for a in attachments)]
    return sorted({key for key in keys if key})


async def delete_for_good(conn: asyncpg.Connection, document_id: str) -> None:
    for table in _CHILD_TABLES:
        await conn.execute(f"DELETE FROM documents.{table} WHERE document_id = $1", document_id)
    await conn.execute("DELETE FROM documents.documents WHERE id = $1", document_id)


async def file_name(conn: asyncpg.Connection, document_id: str) -> str | None:
    return await conn.fetchval("SELECT file_name FROM documents.documents WHERE id = $1", document_id)
