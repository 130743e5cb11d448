"""Field use cases: only while the document is a draft, at most 500 per document. Each command
locks the document row first (service.lock_for_edit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.db import field_repository as fields_repo
from services.documents.api import views
from services.documents.commands.events import emit
from services.documents.db.repository import to_columns, to_properties
from shared.contracts.document_requests import FieldCreate, FieldUpdate
from shared.contracts.document_responses import FieldListResponse, FormField
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.domain.validation import MAX_FIELDS, changed
from shared.contracts.rules import field_problems
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.problems import FieldError, conflict, not_found, validation

COLUMNS = fields_repo.FIELD_COLUMNS


def check_merged(current: Mapping[str, Any], diff: Mapping[str, Any]) -> None:
    """The options rules hold for the field as it will be after a PATCH, not just for the patch."""
    merged = {**dict(current), **diff}
    problems = field_problems(merged["type"], merged["options"], merged["default_value"])
    if problems:
        raise validation([FieldError(name, message) for name, message in problems.items()])


async def list_fields(pool: asyncpg.Pool, org_id: str, document_id: str) -> FieldListResponse:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await require_document(conn, org_id, document_id)
        rows = await fields_repo.list_fields(conn, document_id)
    return FieldListResponse(data=[views.form_field(r) for r in rows])


async def add_field(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, body: FieldCreate) -> FormField:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        if await fields_repo.count_fields(conn, document_id) >= MAX_FIELDS:
            raise conflict(f"A document can have at most {MAX_FIELDS} fields")
        row = await fields_repo.insert_field(conn, prefixed_id("fld"), document_id, to_columns(body.model_dump(), COLUMNS))
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "field.added", {"field": views.field_payload(row)})
    return views.form_field(row)


async def update_field(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, field_id: str,
                       body: FieldUpdate) -> FormField:
    requested = to_columns(body.given(), COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        current = await fields_repo.find_field(conn, document_id, field_id)
        if current is None:
            raise not_found("Field")
        diff = changed(current, requested)
        if not diff:
            return views.form_field(current)
        check_merged(current, diff)
        row = await fields_repo.update_field(conn, document_id, field_id, diff)
        if row is None:
            raise not_found("Field")
        await touch_for_edit(conn, org_id, document_id)
        data = {"field": views.field_payload(row), "changes": to_properties(diff, COLUMNS)}
        await emit(conn, ctx, org_id, document_id, "field.updated", data)
    return views.form_field(row)


async def remove_field(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, field_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        row = await fields_repo.delete_field(conn, document_id, field_id)
        if row is None:
            raise not_found("Field")
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "field.removed", {"field": views.field_payload(row)})
