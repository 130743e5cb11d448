"""What the WPsigner surface of the gateway needs from the documents core beyond the inSigner API.

The gateway translates WPsigner requests onto the core's own endpoints wherever one exists
(create, edit, signers, fields, upload, send, cancel). These internal queries and commands fill
the gaps, and they reuse the core's rules rather than restating them:

- numbers: the WPsigner ids (migrations/0004_wpsigner.sql), resolved only within the caller's
  organisation;
- a page/per_page list with a total (X-WP-Total), filtered by core statuses, by "has a signer
  viewed it" (WPsigner's `viewed`), by title, and by creator (non-admin credentials);
- a detail with what the inSigner detail omits (numbers, page count, file name, signers'
  viewed/declined times and reasons, field values, the creator);
- a permanent delete (WPsigner deletes for good) allowed where the state machine allows a
  delete, which also removes the document's objects from S3 and records `document.deleted`;
- a short-lived presigned download URL of the document's current PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.documents.adapters.storage import Storage
from services.documents.commands import file_download, files
from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.service import document_not_found
from services.documents.db import file_repository as file_repo
from services.documents.db import lifecycle_repository as lifecycle_repo
from services.documents.db import repository as documents_repo
from services.documents.db import wp_repository as wp_repo
from services.documents.domain.statemachine import Action, Status, TransitionNotAllowed, can
from services.documents.domain.validation import contains_pattern
from shared.context import RequestContext

log = logging.getLogger("countersign.documents.wp_internal")


@dataclass(frozen=True, slots=True)
class ListFilter:
    statuses: tuple[str, ...] = ()  # core statuses; empty: any
    viewed: bool | None = None  # some signer has (True) / no signer has (False) viewed it
    search: str | None = None  # substring of the name
    creators: tuple[str, ...] | None = None  # created_by values (API key ids); None: anyone's


async def list_page(
    pool: asyncpg.Pool, org_id: str, flt: ListFilter, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """One page, newest first, and the total matching: WPsigner paginates by page number, so
    this is OFFSET pagination (the inSigner list keeps its keyset cursors)."""
    # One snapshot, so the total and the page agree.
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await wp_repo.list_page(
            conn,
            org_id,
            statuses=flt.statuses,
            viewed=flt.viewed,
            name_pattern=contains_pattern(flt.search) if flt.search else None,
            creators=flt.creators,
            limit=limit,
            offset=offset,
        )


async def find_ref(conn: asyncpg.Connection, org_id: str, ref: str) -> asyncpg.Record | None:
    return await wp_repo.find_ref(conn, org_id, ref)


@dataclass(frozen=True, slots=True)
class Detail:
    document: asyncpg.Record
    signers: Sequence[asyncpg.Record]
    fields: Sequence[asyncpg.Record]
    values: dict[str, Any]  # field id -> submitted value (JSON)


async def load_detail(deps: Deps, org_id: str, ref: str) -> Detail:
    pool = deps.pool
    async with pool.acquire() as conn:
        found = await find_ref(conn, org_id, ref)
    if found is None:
        raise document_not_found()
    # As the core's GET does: an upload that has arrived is verified now, so a document created
    # through the WPsigner API shows its page count and hash at once.
    await files.verify_pending_upload(deps, org_id, found["id"])
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        document = await wp_repo.detail(conn, org_id, found["id"])
        if document is None:
            raise document_not_found()
        signers = await wp_repo.detail_signers(conn, found["id"])
        fields = await wp_repo.detail_fields(conn, found["id"])
        values = await lifecycle_repo.field_values(conn, found["id"])
    return Detail(document, signers, fields, values)


async def hard_delete(deps: Deps, org_id: str, ctx: RequestContext, document_id: str) -> None:
    """Delete the document, its signers, fields, values and files for good.

    Allowed in the statuses where the state machine allows a (soft) delete: never while signers
    may still act. The audit service keeps the trail, which ends with `document.deleted`
    ({"name", "permanent": true}), recorded in the same transaction as the delete.
    """
    async with deps.pool.acquire() as conn, conn.transaction():
        row = await documents_repo.find_document(conn, document_id, org_id=org_id, lock="update")
        if row is None:
            raise document_not_found()
        if not can(row["status"], Action.DELETE):
            raise TransitionNotAllowed(Status(row["status"]), Action.DELETE)
        keys = await wp_repo.object_keys(conn, document_id)
        await wp_repo.delete_for_good(conn, document_id)
        # A file shared with a template (or documents made from it) stays for them.
        keys = sorted(set(keys) - await file_repo.keys_in_use(conn, keys, except_document=document_id))
        await emit(conn, ctx, org_id, document_id, "document.deleted", {"name": row["name"], "permanent": True})
    await _delete_objects(deps.storage, keys)


async def _delete_objects(storage: Storage, keys: list[str]) -> None:
    # After the commit: the rows are gone either way, and an object that could not be deleted
    # now is unreachable through the API (logged, for an operator's clean-up).
    for key in keys:
        try:
            await storage.delete(key)
        except Exception as exc:
            log.warning("could not delete object %s of a deleted document: %r", key, exc)


@dataclass(frozen=True, slots=True)
class FileLink:
    url: str
    filename: str
    content_type: str
    signed: bool
    expires_in: int


async def file_link(deps: Deps, org_id: str, ctx: RequestContext, document_id: str, ttl: int) -> FileLink:
    """A presigned GET of the document's PDF (the signed one once completed), as the core's
    download chooses it; the hand-out is recorded as `document.downloaded`, since whoever holds
    the URL can read the file until it expires."""
    target = await file_download.resolve_download(deps, org_id, document_id)
    async with deps.pool.acquire() as conn:
        original = await wp_repo.file_name(conn, document_id)
    filename = target.filename if target.signed else (original or target.filename)
    url = await deps.storage.presign_get(
        target.key, ttl, content_type=file_download.PDF, content_disposition=file_download.content_disposition(filename)
    )
    await file_download.record_download(deps.pool, ctx, org_id, document_id, target)
    return FileLink(url, filename, file_download.PDF, target.signed, ttl)
