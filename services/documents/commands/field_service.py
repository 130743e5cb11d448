"""Field use cases: only while the document is a draft, at most 500 per document. Each command
locks the document row first (service.lock_for_edit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.events import emit
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.db import field_repository as fields_repo
from services.documents.db.repository import to_columns, to_properties
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.payloads import field_payload
from services.documents.domain.validation import MAX_FIELDS, changed
from shared.context import RequestContext
from shared.contracts.rules import field_problems
from shared.ids import prefixed_id

COLUMNS = fields_repo.FIELD_COLUMNS
# The words of a request body the schema accepted but the field rules do not (as for a schema error).
INVALID_FIELDS = "The request body contains invalid fields"


def check_merged(current: Mapping[str, Any], diff: Mapping[str, Any]) -> None:
    """The options rules hold for the field as it will be after a PATCH, not just for the patch."""
    merged = {**dict(current), **diff}
    problems = field_problems(merged["type"], merged["options"], merged["default_value"])
    if problems:
        raise Invalid(INVALID_FIELDS, fields=[FieldIssue(name, message) for name, message in problems.items()])


async def list_fields(pool: asyncpg.Pool, org_id: str, document_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await require_document(conn, org_id, document_id)
        return await fields_repo.list_fields(conn, document_id)


async def add_field(
    pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`properties`: the new field by API name (FieldCreate)."""
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        if await fields_repo.count_fields(conn, document_id) >= MAX_FIELDS:
            raise Conflicting(f"A document can have at most {MAX_FIELDS} fields")
        row = await fields_repo.insert_field(conn, prefixed_id("fld"), document_id, to_columns(properties, COLUMNS))
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "field.added", {"field": field_payload(row)})
    return row


async def update_field(
    pool: asyncpg.Pool,
    org_id: str,
    ctx: RequestContext,
    document_id: str,
    field_id: str,
    requested_properties: Mapping[str, Any],
) -> asyncpg.Record:
    """`requested_properties`: what the client sent, by API name (FieldUpdate.given())."""
    requested = to_columns(requested_properties, COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        current = await fields_repo.find_field(conn, document_id, field_id)
        if current is None:
            raise NotFound("Field")
        diff = changed(current, requested)
        if not diff:
            return current
        check_merged(current, diff)
        row = await fields_repo.update_field(conn, document_id, field_id, diff)
        if row is None:
            raise NotFound("Field")
        await touch_for_edit(conn, org_id, document_id)
        data = {"field": field_payload(row), "changes": to_properties(diff, COLUMNS)}
        await emit(conn, ctx, org_id, document_id, "field.updated", data)
    return row


async def remove_field(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, field_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        row = await fields_repo.delete_field(conn, document_id, field_id)
        if row is None:
            raise NotFound("Field")
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "field.removed", {"field": field_payload(row)})
