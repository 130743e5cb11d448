"""SQL of templates, their roles and fields (migrations/0014_templates.sql), and of making
documents from them in batches. Explicit connections; every query is scoped by organisation and
skips deleted templates, so another organisation's template looks exactly like a missing one.

Commands on one template lock its row first (`find_template(lock="update")`); making documents
from it takes the row FOR SHARE, so several `use` calls run at once while an edit or a delete
waits for them (and they for it): a template deleted during `use` is a clean 404.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from services.documents.db.child_rows import ChildRows
from services.documents.db.field_repository import FIELD_COLUMNS
from services.documents.db.keyset import page_query
from services.documents.db.repository import Lock, find_live, insert_row, soft_delete_live, update_live
from shared.pagination import Cursor

TEMPLATE_COLUMNS: dict[str, str] = {
    "name": "name",
    "description": "description",
    "category": "category",
    "signingType": "signing_type",
    "message": "message",
    "emailSubject": "email_subject",
    "emailMessage": "email_message",
    "expiresInDays": "expires_in_days",
    "reminderFrequency": "reminder_frequency",
    "otpMethod": "otp_method",
}
ROLE_COLUMNS: dict[str, str] = {"label": "label", "role": "role", "sortOrder": "sort_order"}
# A template's fields belong to roles (assignedTo = a role's sortOrder): no signer to own them by id.
TEMPLATE_FIELD_COLUMNS = {name: column for name, column in FIELD_COLUMNS.items() if name != "signerId"}

# Documents made from the template, deleted ones included: how often it was used.
_USAGE = "(SELECT count(*) FROM documents.documents d WHERE d.template_id = t.id) AS usage_count"
_COUNTS = f"""
    (SELECT count(*) FROM documents.template_fields f WHERE f.template_id = t.id) AS field_count,
    (SELECT count(*) FROM documents.template_roles r WHERE r.template_id = t.id) AS role_count,
    {_USAGE}"""


async def insert_template(
    conn: asyncpg.Connection, template_id: str, org_id: str, created_by: str | None, columns: Mapping[str, Any]
) -> asyncpg.Record:
    return await insert_row(
        conn, "templates", {"id": template_id, "org_id": org_id, "created_by": created_by, **columns}
    )


async def find_template(
    conn: asyncpg.Connection, org_id: str, template_id: str, lock: Lock | None = None
) -> asyncpg.Record | None:
    return await find_live(conn, "templates", org_id, template_id, lock)


async def find_detail(conn: asyncpg.Connection, org_id: str, template_id: str) -> asyncpg.Record | None:
    """The template with `role_rows` and `field_rows`, in one statement (one snapshot)."""
    return await conn.fetchrow(
        f"""SELECT t.*, {_USAGE},
                ARRAY(SELECT r FROM documents.template_roles r WHERE r.template_id = t.id
                      ORDER BY r.sort_order, r.id) AS role_rows,
                ARRAY(SELECT f FROM documents.template_fields f WHERE f.template_id = t.id
                      ORDER BY f.page, f.y, f.x, f.id) AS field_rows
            FROM documents.templates t WHERE t.org_id = $1 AND t.id = $2 AND t.deleted_at IS NULL""",
        org_id,
        template_id,
    )


async def list_templates(
    conn: asyncpg.Connection,
    org_id: str,
    *,
    category: str | None,
    name_pattern: str | None,
    after: Cursor | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page, newest first, by keyset (created_at, id), as documents are listed."""
    q = page_query(
        org_id, alias="t", equals={"category": category}, name_pattern=name_pattern, after=after, limit=limit
    )
    return await conn.fetch(
        f"SELECT t.*, {_COUNTS} FROM documents.templates t WHERE {q.where} {q.order_limit}", *q.args
    )


async def update_template(
    conn: asyncpg.Connection, org_id: str, template_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    return await update_live(conn, "templates", org_id, template_id, columns)


async def soft_delete(conn: asyncpg.Connection, org_id: str, template_id: str) -> asyncpg.Record | None:
    """Deleted, not erased: documents made from it keep pointing at its file (and at its id)."""
    return await soft_delete_live(conn, "templates", org_id, template_id)


# --- roles and fields ---------------------------------------------------------------------------

_ROLES = ChildRows("template_roles", "template_id", "sort_order, id")
_FIELDS = ChildRows("template_fields", "template_id", "page, y, x, id")

list_roles = _ROLES.list
insert_role = _ROLES.insert
update_role = _ROLES.update
delete_role = _ROLES.delete

list_fields = _FIELDS.list
count_fields = _FIELDS.count
insert_field = _FIELDS.insert
find_field = _FIELDS.find
update_field = _FIELDS.update
delete_field = _FIELDS.delete


async def move_fields(conn: asyncpg.Connection, template_id: str, from_order: int, to_order: int) -> None:
    """A slot moved to another place: its fields go with it."""
    await conn.execute(
        "UPDATE documents.template_fields SET assigned_to = $3, updated_at = now() WHERE template_id = $1 AND assigned_to = $2",
        template_id,
        from_order,
        to_order,
    )


# --- from a draft document ----------------------------------------------------------------------

# The file columns a template takes from a draft, and a document from a template: the same names.
SHARED_FILE_COLUMNS = (
    "file_status",
    "file_key",
    "file_name",
    "file_content_type",
    "file_declared_size",
    "file_requested_at",
    "file_size",
    "document_hash",
    "page_count",
    "page_sizes",
    "pdf_key",
    "pdf_etag",
    "file_etag",
    "original_file_size",
    "original_file_hash",
    "active_content_removed",
    "file_verified_at",
    "file_error_code",
    "file_error",
)


def copied_field_id(template_id: str, field_id: str) -> str:
    """The id a draft's field gets in the template made from it (copy_parts_of_document computes
    the same in SQL): known without a lookup, so copied formulas can be renamed to it."""
    return "tf_" + hashlib.md5(f"{template_id}{field_id}".encode()).hexdigest()[:20]


async def copy_parts_of_document(conn: asyncpg.Connection, template_id: str, document_id: str) -> None:
    """The draft's signers become roles (slots in signing order, labelled with the signer's
    name) and its fields the template's, each `assignedTo` moved to the slot of the signer's order."""
    await conn.execute(
        """INSERT INTO documents.template_roles (id, template_id, label, role, sort_order)
           SELECT 'ts_' || substr(md5(random()::text || s.id), 1, 20), $1, s.name, s.role,
                  (row_number() OVER (ORDER BY s.signing_order, s.created_at, s.id)) - 1
           FROM documents.signers s WHERE s.document_id = $2""",
        template_id,
        document_id,
    )
    # A document's field names a signer by `order` (several signers may share one); the template's
    # names the slot of the first signer with that order.
    columns = ", ".join(c for c in TEMPLATE_FIELD_COLUMNS.values() if c != "assigned_to")
    await conn.execute(
        f"""WITH slots AS (
                SELECT signing_order, (min(rank) - 1) AS slot FROM (
                    SELECT signing_order, row_number() OVER (ORDER BY signing_order, created_at, id) AS rank
                    FROM documents.signers WHERE document_id = $2) ranked
                GROUP BY signing_order)
            INSERT INTO documents.template_fields (id, template_id, assigned_to, {columns})
            SELECT 'tf_' || substr(md5($1 || f.id), 1, 20), $1, slots.slot, {columns}
            FROM documents.fields f LEFT JOIN slots ON slots.signing_order = f.assigned_to
            WHERE f.document_id = $2""",
        template_id,
        document_id,
    )


# --- making documents ---------------------------------------------------------------------------


async def insert_documents(conn: asyncpg.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many documents, one statement per batch (all rows have the same columns)."""
    await _insert_many(conn, "documents", rows)


async def insert_signers(conn: asyncpg.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    await _insert_many(conn, "signers", rows)


async def insert_fields(conn: asyncpg.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    await _insert_many(conn, "fields", rows)


async def _insert_many(conn: asyncpg.Connection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    params = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await conn.executemany(
        f"INSERT INTO documents.{table} ({', '.join(columns)}) VALUES ({params})",
        [tuple(row[c] for c in columns) for row in rows],
    )
