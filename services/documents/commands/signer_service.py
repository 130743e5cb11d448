"""Signer use cases: only while the document is a draft, at most 50 per document, one signer per
email address. Each command locks the document row first (service.lock_for_edit). The exception:
a signer whose email bounced may be fixed while the document is on hold (delivery_failures)."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.documents.commands import delivery_failures
from services.documents.db import signer_repository as signers_repo
from services.documents.api import views
from services.documents.commands.events import emit
from services.documents.db.repository import to_columns, to_properties
from shared.contracts.document_requests import SignerCreate, SignerUpdate
from shared.contracts.document_responses import Signer, SignerCreated, SignerListResponse
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.domain.validation import MAX_SIGNERS, changed
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.problems import Problem, conflict, not_found

COLUMNS = signers_repo.SIGNER_COLUMNS


def _duplicate() -> Problem:
    return conflict("A signer with this email address is already on the document")


async def list_signers(pool: asyncpg.Pool, org_id: str, document_id: str) -> SignerListResponse:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await require_document(conn, org_id, document_id)
        rows = await signers_repo.list_signers(conn, document_id)
    return SignerListResponse(data=[views.signer(r) for r in rows])


async def add_signer(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, body: SignerCreate) -> SignerCreated:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        if await signers_repo.count_signers(conn, document_id) >= MAX_SIGNERS:
            raise conflict(f"A document can have at most {MAX_SIGNERS} signers")
        if await signers_repo.email_taken(conn, document_id, body.email):
            raise _duplicate()
        try:
            row = await signers_repo.insert_signer(conn, prefixed_id("sr"), document_id, to_columns(body.model_dump(), COLUMNS))
        except asyncpg.UniqueViolationError:  # backstop for the check above
            raise _duplicate() from None
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "signer.added", {"signer": views.signer_payload(row)})
    return views.signer_created(row)


async def update_signer(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, signer_id: str,
                        body: SignerUpdate, app: web.Application | None = None) -> Signer:
    requested = to_columns(body.given(), COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        # On hold after a bounce, the signer's address may be fixed (it re-invites them).
        if (held := await delivery_failures.held_document(conn, org_id, document_id)) is not None:
            return await delivery_failures.fix_signer(app, conn, held, ctx, signer_id, requested)
        await lock_for_edit(conn, org_id, document_id)
        current = await signers_repo.find_signer(conn, document_id, signer_id)
        if current is None:
            raise not_found("Signer")
        diff = changed(current, requested)
        if not diff:
            return views.signer(current)
        if "email" in diff and await signers_repo.email_taken(conn, document_id, diff["email"], except_id=signer_id):
            raise _duplicate()
        try:
            row = await signers_repo.update_signer(conn, document_id, signer_id, diff)
        except asyncpg.UniqueViolationError:
            raise _duplicate() from None
        if row is None:
            raise not_found("Signer")
        await touch_for_edit(conn, org_id, document_id)
        data = {"signer": views.signer_payload(row), "changes": to_properties(diff, COLUMNS)}
        await emit(conn, ctx, org_id, document_id, "signer.updated", data)
    return views.signer(row)


async def remove_signer(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, signer_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        row = await signers_repo.delete_signer(conn, document_id, signer_id)
        if row is None:
            raise not_found("Signer")
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "signer.removed", {"signer": views.signer_payload(row)})
