"""SQL for documents: plain queries, each function taking an explicit connection.

Every query is scoped by organisation and skips soft-deleted rows, so another organisation's
document and a deleted one look exactly like a missing one. Changes are conditional UPDATEs on
the statuses the state machine allows (`status = ANY($n)`): of two concurrent requests, the
second finds zero rows and the service answers 409 (or 404 when the document is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import asyncpg

from services.documents.db.keyset import page_query
from shared.pagination import Cursor

# API property -> column, for the properties a client may set.
DOCUMENT_COLUMNS: dict[str, str] = {
    "name": "name",
    "signingType": "signing_type",
    "message": "message",
    "expiresAt": "expires_at",
    "folderId": "folder_id",
    "emailSubject": "email_subject",
    "emailMessage": "email_message",
    "reminderFrequency": "reminder_frequency",
    "otpMethod": "otp_method",
    "redirectUrl": "redirect_url",
    "language": "language",
}

# Correlated counts evaluated only for the rows of one page (see list_documents): no N+1.
_COUNTS = """
    (SELECT count(*) FROM documents.signers s WHERE s.document_id = page.id) AS signer_count,
    (SELECT count(*) FROM documents.fields f WHERE f.document_id = page.id) AS field_count,
    (SELECT count(*) FROM documents.attachments a WHERE a.document_id = page.id) AS attachment_count"""

# An organisation's row that is not soft-deleted ($1 org_id, $2 id): documents, templates, campaigns.
LIVE = "org_id = $1 AND id = $2 AND deleted_at IS NULL"
Lock = Literal["update", "share"]


def to_columns(values: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """API properties -> {column: value}; names come from the fixed mapping, never from input."""
    return {mapping[key]: value for key, value in values.items()}


def to_properties(columns: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    reverse = {column: key for key, column in mapping.items()}
    return [reverse[column] for column in columns]


def assignments(columns: Iterable[str], first_param: int) -> str:
    return ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=first_param))


def lock_suffix(lock: Lock | None) -> str:
    return f" FOR {lock.upper()}" if lock else ""


async def find_live(
    conn: asyncpg.Connection, table: str, org_id: str, row_id: str, lock: Lock | None = None
) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT * FROM documents.{table} WHERE {LIVE}{lock_suffix(lock)}", org_id, row_id)


async def update_live(
    conn: asyncpg.Connection, table: str, org_id: str, row_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Set `columns` (and updated_at; only that with no columns) of a live row of the organisation."""
    sets = assignments(columns, 3)
    return await conn.fetchrow(
        f"UPDATE documents.{table} SET {sets + ', ' if sets else ''}updated_at = now() WHERE {LIVE} RETURNING *",
        org_id,
        row_id,
        *columns.values(),
    )


async def soft_delete_live(conn: asyncpg.Connection, table: str, org_id: str, row_id: str) -> asyncpg.Record | None:
    """Deleted, not erased (deleted_at set); the row's id, or None if it was not live."""
    return await conn.fetchrow(
        f"UPDATE documents.{table} SET deleted_at = now(), updated_at = now() WHERE {LIVE} RETURNING id",
        org_id,
        row_id,
    )


async def insert_row(conn: asyncpg.Connection, table: str, columns: Mapping[str, Any]) -> asyncpg.Record:
    """INSERT one row of `documents.<table>` from column → value (names are ours, never input)."""
    params = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return await conn.fetchrow(
        f"INSERT INTO documents.{table} ({', '.join(columns)}) VALUES ({params}) RETURNING *", *columns.values()
    )


async def insert_document(
    conn: asyncpg.Connection, document_id: str, org_id: str, created_by: str | None, columns: Mapping[str, Any]
) -> asyncpg.Record:
    return await insert_row(
        conn, "documents", {"id": document_id, "org_id": org_id, "created_by": created_by, **columns}
    )


async def find_document(
    conn: asyncpg.Connection, document_id: str, *, org_id: str | None, lock: Lock | None = None
) -> asyncpg.Record | None:
    """THE way to find, and to lock, a live document. Every command on a document locks its row
    here first (`lock="update"`; reads that must wait for a command in flight: "share"), so the
    commands on one document run one at a time and decide on a stable state.

    `org_id` is required by name: the caller's organisation on every API path; None only where
    the document was reached through something already scoped (a signer's token or id), never
    as "any organisation" for a request that names one."""
    suffix = lock_suffix(lock)
    if org_id is None:
        return await conn.fetchrow(
            f"SELECT * FROM documents.documents WHERE id = $1 AND deleted_at IS NULL{suffix}", document_id
        )
    return await conn.fetchrow(f"SELECT * FROM documents.documents WHERE {LIVE}{suffix}", org_id, document_id)


# The document with its signers, fields and attachments in ONE statement (so one snapshot, and
# one round trip on the hottest read): each child list comes back as an array of table rows,
# which asyncpg decodes to Records like any SELECT would.
_DETAIL = """
    SELECT d.*,
        ARRAY(SELECT s FROM documents.signers s WHERE s.document_id = d.id
              ORDER BY s.signing_order, s.created_at, s.id) AS signer_rows,
        ARRAY(SELECT f FROM documents.fields f WHERE f.document_id = d.id
              ORDER BY f.page, f.y, f.x, f.id) AS field_rows,
        ARRAY(SELECT a FROM documents.attachments a WHERE a.document_id = d.id
              ORDER BY a.position, a.created_at, a.id) AS attachment_rows
    FROM documents.documents d WHERE d.org_id = $1 AND d.id = $2 AND d.deleted_at IS NULL"""


async def find_detail(conn: asyncpg.Connection | asyncpg.Pool, org_id: str, document_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_DETAIL, org_id, document_id)


async def mail_texts(conn: asyncpg.Connection, document_id: str) -> asyncpg.Record | None:
    """What the notifier's emails quote of a document: its texts and its sender."""
    return await conn.fetchrow(
        """SELECT name, message, email_subject, email_message, sender_name, sender_email, sender_org_name,
                  sender_org_logo, language
           FROM documents.documents WHERE id = $1""",
        document_id,
    )


async def live_status(conn: asyncpg.Connection, org_id: str, document_id: str) -> str | None:
    return await conn.fetchval(f"SELECT status FROM documents.documents WHERE {LIVE}", org_id, document_id)


async def update_document(
    conn: asyncpg.Connection, org_id: str, document_id: str, allowed: Iterable[str], columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Set `columns` (and updated_at) if the document is live and in an allowed status.

    With no columns it only touches updated_at: the signer and field commands use that as their
    conditional lock on the document, so counts and the draft check are race-free.
    """
    sets = assignments(columns, 4)
    sql = f"""UPDATE documents.documents SET {sets + ", " if sets else ""}updated_at = now()
              WHERE {LIVE} AND status = ANY($3::text[]) RETURNING *"""
    return await conn.fetchrow(sql, org_id, document_id, sorted(allowed), *columns.values())


async def soft_delete(
    conn: asyncpg.Connection, org_id: str, document_id: str, allowed: Iterable[str]
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""UPDATE documents.documents SET deleted_at = now(), updated_at = now()
            WHERE {LIVE} AND status = ANY($3::text[]) RETURNING id, name""",
        org_id,
        document_id,
        sorted(allowed),
    )


async def list_documents(
    conn: asyncpg.Connection,
    org_id: str,
    *,
    status: str | None,
    name_pattern: str | None,
    after: Cursor | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page, newest first, by keyset (created_at, id): no OFFSET, so rows inserted while a
    client pages never shift, repeat or hide the rows it has not seen yet.

    Only the conditions in use are added, so each variant gets a plan that uses the
    (org_id[, status], created_at DESC, id DESC) index.
    """
    q = page_query(org_id, alias="d", equals={"status": status}, name_pattern=name_pattern, after=after, limit=limit)
    sql = f"""
        WITH page AS (
            SELECT d.* FROM documents.documents d
            WHERE {q.where}
            {q.order_limit})
        SELECT page.*, {_COUNTS}
        FROM page ORDER BY page.created_at DESC, page.id DESC"""
    return await conn.fetch(sql, *q.args)


async def count_live_documents(
    conn: asyncpg.Connection | asyncpg.Pool, org_id: str, statuses: Sequence[str] = ()
) -> int:
    """The organisation's live documents (in `statuses`, if given), from the counters the
    triggers of migrations/0012 keep exact in every writing transaction: the folded count plus
    the deltas not folded yet, a few rows however many documents the organisation has (never a
    count(*) over them)."""
    status_filter = " AND status = ANY($2::text[])" if statuses else ""
    args: list[Any] = [org_id, list(statuses)] if statuses else [org_id]
    total = await conn.fetchval(
        f"""SELECT (SELECT coalesce(sum(live), 0) FROM documents.document_counts WHERE org_id = $1{status_filter})
                 + (SELECT coalesce(sum(delta), 0) FROM documents.document_count_deltas WHERE org_id = $1{status_filter})""",
        *args,
    )
    return int(total)


async def fold_document_counts(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    """Fold the counters' committed deltas into them (migrations/0012); returns how many."""
    return int(await conn.fetchval("SELECT documents.fold_document_counts()"))


async def count_live_templates(conn: asyncpg.Connection, org_id: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM documents.templates WHERE org_id = $1 AND deleted_at IS NULL", org_id
    )


async def count_live_campaigns(conn: asyncpg.Connection, org_id: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM documents.campaigns WHERE org_id = $1 AND deleted_at IS NULL", org_id
    )
