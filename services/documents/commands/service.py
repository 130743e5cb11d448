"""Document use cases: each command is one transaction holding the change and its outbox event.

The state machine decides what is allowed; the repository makes the change conditional on the
allowed statuses, so a request that lost a race gets 409 (or 404 when the document is gone)
instead of overwriting a newer state.
"""

from __future__ import annotations

import asyncpg

from services.documents.db import repository as repo
from services.documents.api import views
from services.documents.commands.events import emit
from services.documents.commands.mail_context import sender_columns
from shared.contracts.common import PageMeta
from shared.contracts.document_requests import DocumentCreate, DocumentListQuery, DocumentUpdate
from shared.contracts.document_responses import DocumentCreated, DocumentDetail, DocumentListResponse
from shared.contracts.internal import InternalDocument, OrgStats
from services.documents.domain.statemachine import Action, allowed_from, can, refusal
from services.documents.domain.validation import changed, contains_pattern
from shared.context import RequestContext
from shared.ids import document_id as new_document_id
from shared.pagination import PageRequest, page_meta
from shared.problems import Problem, conflict, not_found


def document_not_found() -> Problem:
    return not_found("Document")


async def refused(conn: asyncpg.Connection, org_id: str, document_id: str, action: Action) -> Problem:
    """Why a conditional change matched no row: the document is gone (404) or in a status that
    does not allow the action (409)."""
    status = await repo.live_status(conn, org_id, document_id)
    if status is None:
        return document_not_found()
    return conflict(f"{refusal(action)} (the document is {status})")


async def lock_for_edit(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    """Lock the document row for the rest of the transaction and check it is editable.

    Every command on a document's signers and fields starts here, so they are serialised per
    document: counts (50 signers, 500 fields) and the draft check cannot race.
    """
    row = await repo.find_document(conn, org_id, document_id, lock=True)
    if row is None:
        raise document_not_found()
    if not can(row["status"], Action.EDIT):
        raise conflict(f"{refusal(Action.EDIT)} (the document is {row['status']})")
    return row


async def touch_for_edit(conn: asyncpg.Connection, org_id: str, document_id: str) -> None:
    """Record that the draft changed (updated_at), conditional on it still being editable."""
    if await repo.update_document(conn, org_id, document_id, allowed_from(Action.EDIT), {}) is None:
        raise await refused(conn, org_id, document_id, Action.EDIT)


async def require_document(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    row = await repo.find_document(conn, org_id, document_id)
    if row is None:
        raise document_not_found()
    return row


async def create_document(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, body: DocumentCreate) -> DocumentCreated:
    # The sender (named by the gateway) is kept with the document for its emails.
    columns = repo.to_columns(body.model_dump(), repo.DOCUMENT_COLUMNS) | sender_columns(ctx)
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.insert_document(conn, new_document_id(), org_id, ctx.actor_id, columns)
        await emit(conn, ctx, org_id, row["id"], "document.created", {"name": row["name"]})
    return views.created(row)


async def list_documents(pool: asyncpg.Pool, org_id: str, query: DocumentListQuery, page: PageRequest) -> DocumentListResponse:
    async with pool.acquire() as conn:
        rows = await repo.list_documents(
            conn, org_id,
            status=query.status,
            name_pattern=contains_pattern(query.search) if query.search else None,
            after=page.cursor,
            limit=page.limit + 1,  # one more than asked tells whether another page exists
        )
    items = rows[: page.limit]
    last = (items[-1]["created_at"], items[-1]["id"]) if items else None
    meta = page_meta(items, len(rows), page.limit, last)
    return DocumentListResponse(data=[views.list_item(r) for r in items], meta=PageMeta(**meta))


async def detail_row(db: asyncpg.Connection | asyncpg.Pool, org_id: str, document_id: str) -> asyncpg.Record:
    """The document row with `signer_rows`, `field_rows` and `attachment_rows`: one statement."""
    row = await repo.find_detail(db, org_id, document_id)
    if row is None:
        raise document_not_found()
    return row


def detail_of(row: asyncpg.Record) -> DocumentDetail:
    return views.detail(row, row["signer_rows"], row["field_rows"], row["attachment_rows"])


async def load_detail(conn: asyncpg.Connection, org_id: str, document_id: str) -> DocumentDetail:
    return detail_of(await detail_row(conn, org_id, document_id))


async def get_document(pool: asyncpg.Pool, org_id: str, document_id: str) -> DocumentDetail:
    return detail_of(await detail_row(pool, org_id, document_id))


async def update_document(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str,
                          body: DocumentUpdate) -> DocumentDetail:
    requested = repo.to_columns(body.given(), repo.DOCUMENT_COLUMNS)
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
        return await load_detail(conn, org_id, document_id)


async def delete_document(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.soft_delete(conn, org_id, document_id, allowed_from(Action.DELETE))
        if row is None:
            raise await refused(conn, org_id, document_id, Action.DELETE)
        await emit(conn, ctx, org_id, document_id, "document.deleted", {"name": row["name"]})


async def org_stats(pool: asyncpg.Pool, org_id: str) -> OrgStats:
    async with pool.acquire() as conn:
        documents = await repo.count_live_documents(conn, org_id)
    # Templates and campaigns arrive in later issues; until then an organisation has none.
    return OrgStats(documents=documents, templates=0, campaigns=0)


async def internal_document(pool: asyncpg.Pool, org_id: str, document_id: str) -> InternalDocument:
    async with pool.acquire() as conn:
        return views.internal(await require_document(conn, org_id, document_id))
