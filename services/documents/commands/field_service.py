"""Field use cases: only while the document is a draft, at most 500 per document. Each command
locks the document row first (service.lock_for_edit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.events import emit
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.db import field_repository as fields_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.db.repository import to_columns, to_properties
from services.documents.domain import field_rules, formula
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.payloads import field_payload
from services.documents.domain.validation import MAX_FIELDS, changed
from shared.context import RequestContext
from shared.contracts.rules import UNAVAILABLE_TYPES, field_problems
from shared.ids import prefixed_id

COLUMNS = fields_repo.FIELD_COLUMNS
# The words of a request body the schema accepted but the field rules do not (as for a schema error).
INVALID_FIELDS = "The request body contains invalid fields"


def check_merged(current: Mapping[str, Any], diff: Mapping[str, Any]) -> None:
    """The field's rules hold for the field as it will be after a PATCH, not just for the patch:
    options, validation rules, formula. A type that cannot be used yet (payment) is refused with
    its own code."""
    merged = {**dict(current), **diff}
    if (unavailable := UNAVAILABLE_TYPES.get(merged["type"])) is not None:
        code, words = unavailable
        raise Invalid(f"{words}; remove the field or use another type", code=code, fields=[FieldIssue("type", words)])
    problems = [
        FieldIssue(name, message)
        for name, message in field_problems(merged["type"], merged["options"], merged["default_value"]).items()
    ]
    problems += field_rules.problems(merged["type"], merged["validation"])
    problems += _formula_problems(merged["type"], merged["formula"])
    if problems:
        raise Invalid(INVALID_FIELDS, fields=problems)


def _formula_problems(field_type: str, expression: str | None) -> list[FieldIssue]:
    if field_type != "formula":
        return [] if expression is None else [FieldIssue("formula", "Only formula fields have a formula")]
    if expression is None:
        return [FieldIssue("formula", "Required for formula fields")]
    try:
        formula.parse(expression)
    except formula.FormulaError as exc:
        return [FieldIssue("formula", str(exc))]
    return []


async def _owner_columns(conn: asyncpg.Connection, document_id: str, columns: dict[str, Any]) -> dict[str, Any]:
    """A field given a signerId belongs to that signer of this document, and reports their order."""
    if columns.get("signer_id") is None:
        return columns
    signer = await signers_repo.find_signer(conn, document_id, columns["signer_id"])
    if signer is None:
        raise Invalid(INVALID_FIELDS, fields=[FieldIssue("signerId", "No such signer on this document")])
    return columns | {"assigned_to": signer["signing_order"]}


def stored_columns(columns: dict[str, Any]) -> dict[str, Any]:
    """Columns as stored: validation rules in their one JSON form (field_rules.normalise)."""
    if "validation" in columns:
        columns = columns | {"validation": field_rules.normalise(columns["validation"])}
    return columns


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
        columns = stored_columns(to_columns(properties, COLUMNS))
        check_merged(dict.fromkeys(COLUMNS.values()), columns)
        if await fields_repo.count_fields(conn, document_id) >= MAX_FIELDS:
            raise Conflicting(f"A document can have at most {MAX_FIELDS} fields")
        columns = await _owner_columns(conn, document_id, columns)
        row = await fields_repo.insert_field(conn, prefixed_id("fld"), document_id, columns)
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
    requested = stored_columns(to_columns(requested_properties, COLUMNS))
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        current = await fields_repo.find_field(conn, document_id, field_id)
        if current is None:
            raise NotFound("Field")
        diff = changed(current, requested)
        if not diff:
            return current
        if "assigned_to" in diff and "signer_id" not in diff and current["signer_id"] is not None:
            diff["signer_id"] = None  # assigning by order explicitly gives up the owner by id
        check_merged(current, diff)
        if "signer_id" in diff:
            diff = await _owner_columns(conn, document_id, diff)
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
