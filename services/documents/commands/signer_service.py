"""Signer use cases: only while the document is a draft, at most 50 per document, one signer per
email address. Each command locks the document row first (service.lock_for_edit). The exception:
a signer whose email bounced may be fixed while the document is on hold (delivery_failures)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands import delivery_failures
from services.documents.commands.events import emit
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.db import signer_repository as signers_repo
from services.documents.db.repository import to_columns, to_properties
from services.documents.domain.errors import Conflicting, NotFound
from services.documents.domain.payloads import signer_payload
from services.documents.domain.validation import MAX_SIGNERS, changed
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.settings import Settings

COLUMNS = signers_repo.SIGNER_COLUMNS


def _duplicate() -> Conflicting:
    return Conflicting("A signer with this email address is already on the document")


async def list_signers(pool: asyncpg.Pool, org_id: str, document_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await require_document(conn, org_id, document_id)
        return await signers_repo.list_signers(conn, document_id)


async def add_signer(
    pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`properties`: the new signer by API name (SignerCreate)."""
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        if await signers_repo.count_signers(conn, document_id) >= MAX_SIGNERS:
            raise Conflicting(f"A document can have at most {MAX_SIGNERS} signers")
        if await signers_repo.email_taken(conn, document_id, properties["email"]):
            raise _duplicate()
        try:
            row = await signers_repo.insert_signer(
                conn, prefixed_id("sr"), document_id, to_columns(properties, COLUMNS)
            )
        except asyncpg.UniqueViolationError:  # backstop for the check above
            raise _duplicate() from None
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "signer.added", {"signer": signer_payload(row)})
    return row


async def update_signer(
    pool: asyncpg.Pool,
    settings: Settings,
    org_id: str,
    ctx: RequestContext,
    document_id: str,
    signer_id: str,
    requested_properties: Mapping[str, Any],
) -> asyncpg.Record:
    """`requested_properties`: what the client sent, by API name (SignerUpdate.given())."""
    requested = to_columns(requested_properties, COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        # On hold after a bounce, the signer's address may be fixed (it re-invites them).
        if (held := await delivery_failures.held_document(conn, org_id, document_id)) is not None:
            return await delivery_failures.fix_signer(settings, conn, held, ctx, signer_id, requested)
        await lock_for_edit(conn, org_id, document_id)
        current = await signers_repo.find_signer(conn, document_id, signer_id)
        if current is None:
            raise NotFound("Signer")
        diff = changed(current, requested)
        if not diff:
            return current
        if "email" in diff and await signers_repo.email_taken(conn, document_id, diff["email"], except_id=signer_id):
            raise _duplicate()
        try:
            row = await signers_repo.update_signer(conn, document_id, signer_id, diff)
        except asyncpg.UniqueViolationError:
            raise _duplicate() from None
        if row is None:
            raise NotFound("Signer")
        await touch_for_edit(conn, org_id, document_id)
        data = {"signer": signer_payload(row), "changes": to_properties(diff, COLUMNS)}
        await emit(conn, ctx, org_id, document_id, "signer.updated", data)
    return row


async def remove_signer(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str, signer_id: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lock_for_edit(conn, org_id, document_id)
        row = await signers_repo.delete_signer(conn, document_id, signer_id)
        if row is None:
            raise NotFound("Signer")
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "signer.removed", {"signer": signer_payload(row)})
