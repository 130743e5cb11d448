"""Document use cases: each command is one transaction holding the change and its outbox event.

The state machine decides what is allowed; the repository makes the change conditional on the
allowed statuses, so a request that lost a race gets TransitionNotAllowed (409) or NotFound (404
when the document is gone) instead of overwriting a newer state. Results are the stored rows;
api/views.py shapes them into response bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.events import emit
from services.documents.commands.mail_context import sender_columns
from services.documents.commands.pages import RowPage, cut_page, name_pattern
from services.documents.db import repository as repo
from services.documents.domain.errors import DomainError, NotFound
from services.documents.domain.statemachine import Action, Status, TransitionNotAllowed, allowed_from, can
from services.documents.domain.validation import changed
from shared.context import RequestContext
from shared.ids import document_id as new_document_id
from shared.pagination import PageRequest


def document_not_found() -> NotFound:
    return NotFound("Document")


async def refused(conn: asyncpg.Connection, org_id: str, document_id: str, action: Action) -> DomainError:
    """Why a conditional change matched no row: the document is gone (404) or in a status that
    does not allow the action (409)."""
    status = await repo.live_status(conn, org_id, document_id)
    if status is None:
        return document_not_found()
    return TransitionNotAllowed(Status(status), action)


async def lock_for_edit(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    """Lock the document row for the rest of the transaction and check it is editable.

    Every command on a document's signers and fields starts here, so they are serialised per
    document: counts (50 signers, 500 fields) and the draft check cannot race.
    """
    row = await repo.find_document(conn, document_id, org_id=org_id, lock="update")
    if row is None:
        raise document_not_found()
    if not can(row["status"], Action.EDIT):
        raise TransitionNotAllowed(Status(row["status"]), Action.EDIT)
    return row


async def touch_for_edit(conn: asyncpg.Connection, org_id: str, document_id: str) -> None:
    """Record that the draft changed (updated_at), conditional on it still being editable."""
    if await repo.update_document(conn, org_id, document_id, allowed_from(Action.EDIT), {}) is None:
        raise await refused(conn, org_id, document_id, Action.EDIT)


async def require_document(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    row = await repo.find_document(conn, document_id, org_id=org_id)
    if row is None:
        raise document_not_found()
    return row


async def create_document(
    pool: asyncpg.Pool, org_id: str, ctx: RequestContext, properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`properties`: the request's by API name (DocumentCreate)."""
    # The sender (named by the gateway) is kept with the document for its emails.
    columns = repo.to_columns(properties, repo.DOCUMENT_COLUMNS) | sender_columns(ctx)
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.insert_document(conn, new_document_id(), org_id, ctx.actor_id, columns)
        await emit(conn, ctx, org_id, row["id"], "document.created", {"name": row["name"]})
    return row


async def list_documents(
    pool: asyncpg.Pool, org_id: str, *, status: str | None, search: str | None, page: PageRequest
) -> RowPage:
    async with pool.acquire() as conn:
        rows = await repo.list_documents(
            conn,
            org_id,
            status=status,
            name_pattern=name_pattern(search),
            after=page.cursor,
            limit=page.limit + 1,  # one more than asked tells whether another page exists
        )
    return cut_page(rows, page)


async def detail_row(db: asyncpg.Connection | asyncpg.Pool, org_id: str, document_id: str) -> asyncpg.Record:
    """The document row with `signer_rows`, `field_rows` and `attachment_rows`: one statement."""
    row = await repo.find_detail(db, org_id, document_id)
    if row is None:
        raise document_not_found()
    return row


async def update_document(
    pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, requested_properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`requested_properties`: what the client sent, by API name (DocumentUpdate.given()).
    Returns the detail row (detail_row) after the change."""
    requested = repo.to_columns(requested_properties, repo.DOCUMENT_COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        current = await lock_for_edit(conn, org_id, document_id)
        diff = changed(current, requested)
        # Setting what is already there changes nothing: no write, no event.
        if diff:
            row = await repo.update_document(conn, org_id, document_id, allowed_from(Action.EDIT), diff)
            if row is None:
                raise await refused(conn, org_id, document_id, Action.EDIT)
            changes = repo.to_properties(diff, repo.DOCUMENT_COLUMNS)
            await emit(conn, ctx, org_id, document_id, "document.updated", {"name": row["name"], "changes": changes})
        return await detail_row(conn, org_id, document_id)


async def delete_document(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.soft_delete(conn, org_id, document_id, allowed_from(Action.DELETE))
        if row is None:
            raise await refused(conn, org_id, document_id, Action.DELETE)
        await emit(conn, ctx, org_id, document_id, "document.deleted", {"name": row["name"]})


async def count_documents(pool: asyncpg.Pool, org_id: str) -> tuple[int, int, int]:
    """The organisation's live documents, templates and campaigns."""
    async with pool.acquire() as conn:
        return (
            await repo.count_live_documents(conn, org_id),
            await repo.count_live_templates(conn, org_id),
            await repo.count_live_campaigns(conn, org_id),
        )


async def internal_document(pool: asyncpg.Pool, org_id: str, document_id: str) -> asyncpg.Record:
    async with pool.acquire() as conn:
        return await require_document(conn, org_id, document_id)
