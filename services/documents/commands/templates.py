"""Template use cases (docs/templates.md): create (empty, or from a draft document), read, list,
edit, delete, and the template's file. Roles and fields: commands/template_parts.py; making
documents: commands/template_documents.py.

Templates record no events: events are the audit trail of a document (the envelope's
`documentId`), and the documents made from a template say so (`document.created` with
`templateId`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands import files
from services.documents.commands.deps import Deps
from services.documents.commands.pages import RowPage, cut_page, name_pattern
from services.documents.commands.service import lock_for_edit
from services.documents.commands.template_documents import template_not_found
from services.documents.db import repository as documents_repo
from services.documents.db import template_repository as repo
from services.documents.domain import formula
from services.documents.domain.errors import FieldIssue, Invalid, NotFound
from services.documents.domain.validation import changed
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.pagination import PageRequest


async def lock_template(conn: asyncpg.Connection, org_id: str, template_id: str) -> asyncpg.Record:
    """Every change to a template or its parts starts here: one at a time per template, and none
    while documents are being made from it (they hold the row FOR SHARE)."""
    row = await repo.find_template(conn, org_id, template_id, lock="update")
    if row is None:
        raise template_not_found()
    return row


async def touch(conn: asyncpg.Connection, org_id: str, template_id: str) -> None:
    await repo.update_template(conn, org_id, template_id, {})


async def create_template(
    pool: asyncpg.Pool, org_id: str, ctx: RequestContext, properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`properties`: TemplateCreate by API name. With `fromDocumentId`, the draft's file (shared),
    signers (as roles) and fields are taken in the same transaction, the draft locked meanwhile."""
    given = dict(properties)
    source_id = given.pop("fromDocumentId", None)
    columns = documents_repo.to_columns(given, repo.TEMPLATE_COLUMNS)
    template_id = prefixed_id("tpl")
    async with pool.acquire() as conn, conn.transaction():
        if source_id is not None:
            source = await _source_draft(conn, org_id, source_id)
            columns |= {c: source[c] for c in repo.SHARED_FILE_COLUMNS} | {"source_document_id": source_id}
        await repo.insert_template(conn, template_id, org_id, ctx.actor_id, columns)
        if source_id is not None:
            await repo.copy_parts_of_document(conn, template_id, source_id)
            await _rename_copied_formulas(conn, template_id)
        return await detail_row(conn, org_id, template_id)


async def _rename_copied_formulas(conn: asyncpg.Connection, template_id: str) -> None:
    """A copied formula still names the draft's field ids: the template's copies instead."""
    for field in await repo.list_fields(conn, template_id):
        if field["formula"] is not None:
            names = {name: repo.copied_field_id(template_id, name) for name in formula.references(field["formula"])}
            renamed = formula.renamed(field["formula"], names)
            await repo.update_field(conn, template_id, field["id"], {"formula": renamed})


async def _source_draft(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    try:
        return await lock_for_edit(conn, org_id, document_id)
    except NotFound:
        raise Invalid(
            "The request body contains invalid fields",
            fields=[FieldIssue("fromDocumentId", "No such document in your organisation")],
        ) from None


async def detail_row(db: asyncpg.Connection | asyncpg.Pool, org_id: str, template_id: str) -> asyncpg.Record:
    """The template with `role_rows` and `field_rows`."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            row = await repo.find_detail(conn, org_id, template_id)
    else:
        row = await repo.find_detail(db, org_id, template_id)
    if row is None:
        raise template_not_found()
    return row


async def get_template(deps: Deps, org_id: str, template_id: str) -> asyncpg.Record:
    row = await detail_row(deps.pool, org_id, template_id)
    if row["file_status"] == "awaiting_upload":
        # An upload that has arrived is verified on read, as a draft document's is.
        await files.verify_pending_upload(deps, org_id, template_id, "templates")
        row = await detail_row(deps.pool, org_id, template_id)
    return row


async def list_templates(
    pool: asyncpg.Pool, org_id: str, *, category: str | None, search: str | None, page: PageRequest
) -> RowPage:
    async with pool.acquire() as conn:
        rows = await repo.list_templates(
            conn,
            org_id,
            category=category,
            name_pattern=name_pattern(search),
            after=page.cursor,
            limit=page.limit + 1,
        )
    return cut_page(rows, page)


async def update_template(
    pool: asyncpg.Pool, org_id: str, template_id: str, requested_properties: Mapping[str, Any]
) -> asyncpg.Record:
    requested = documents_repo.to_columns(requested_properties, repo.TEMPLATE_COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        current = await lock_template(conn, org_id, template_id)
        if diff := changed(current, requested):
            await repo.update_template(conn, org_id, template_id, diff)
        return await detail_row(conn, org_id, template_id)


async def delete_template(pool: asyncpg.Pool, org_id: str, template_id: str) -> None:
    """Soft: the documents made from it keep its file (never deleted while one points at it)."""
    async with pool.acquire() as conn, conn.transaction():
        await lock_template(conn, org_id, template_id)
        await repo.soft_delete(conn, org_id, template_id)


async def request_upload(
    deps: Deps,
    org_id: str,
    ctx: RequestContext,
    template_id: str,
    *,
    filename: str,
    content_type: str,
    file_size: int | None,
) -> files.UploadGrant:
    """The template's file, through the documents' presigned upload and verification."""
    return await files.request_upload(
        deps,
        org_id,
        ctx,
        template_id,
        filename=filename,
        content_type=content_type,
        file_size=file_size,
        table="templates",
    )
