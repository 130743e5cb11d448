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
from aiohttp import web

from services.documents.commands import file_download, files
from services.documents.commands.events import emit
from services.documents.commands.service import document_not_found, refused
from services.documents.domain.statemachine import Action, allowed_from
from services.documents.adapters.storage import STORAGE, Storage
from services.documents.domain.validation import contains_pattern
from shared.context import RequestContext

log = logging.getLogger("countersign.documents.wp_internal")

_LIST_COLUMNS = """d.number, d.id, d.name, d.status, d.file_name, d.page_count, d.expires_at, d.completed_at,
    d.created_at, d.updated_at, d.created_by,
    EXISTS (SELECT 1 FROM documents.signers s WHERE s.document_id = d.id AND s.viewed_at IS NOT NULL) AS any_viewed"""

_DETAIL_COLUMNS = _LIST_COLUMNS + """, d.file_status, d.file_error_code, d.file_error, d.document_hash,
    d.file_content_type, d.signed_file_hash"""

_SIGNER_COLUMNS = """number, id, name, email, role, signing_order, status, viewed_at, signed_at, declined_at,
    decline_reason, created_at, updated_at"""

_FIELD_COLUMNS = """number, id, type, label, page, x, y, width, height, required, read_only, assigned_to,
    placeholder, default_value, options, created_at, updated_at"""


@dataclass(frozen=True, slots=True)
class ListFilter:
    statuses: tuple[str, ...] = ()  # core statuses; empty: any
    viewed: bool | None = None  # some signer has (True) / no signer has (False) viewed it
    search: str | None = None  # substring of the name
    creators: tuple[str, ...] | None = None  # created_by values (API key ids); None: anyone's


def _where(org_id: str, flt: ListFilter) -> tuple[str, list[Any]]:
    where = ["d.org_id = $1", "d.deleted_at IS NULL"]
    args: list[Any] = [org_id]
    if flt.statuses:
        args.append(list(flt.statuses))
        where.append(f"d.status = ANY(${len(args)}::text[])")
    if flt.viewed is not None:
        args.append(flt.viewed)
        where.append(f"EXISTS (SELECT 1 FROM documents.signers s WHERE s.document_id = d.id "
                     f"AND s.viewed_at IS NOT NULL) = ${len(args)}")
    if flt.search:
        args.append(contains_pattern(flt.search))
        where.append(f"d.name ILIKE ${len(args)}")
    if flt.creators is not None:
        args.append(list(flt.creators))
        where.append(f"d.created_by = ANY(${len(args)}::text[])")
    return " AND ".join(where), args


async def list_page(pool: asyncpg.Pool, org_id: str, flt: ListFilter, limit: int,
                    offset: int) -> tuple[list[asyncpg.Record], int]:
    """One page, newest first, and the total matching: WPsigner paginates by page number, so
    this is OFFSET pagination (the inSigner list keeps its keyset cursors)."""
    where, args = _where(org_id, flt)
    # One snapshot, so the total and the page agree.
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        total = await conn.fetchval(f"SELECT count(*) FROM documents.documents d WHERE {where}", *args)
        rows = await conn.fetch(
            f"""SELECT {_LIST_COLUMNS} FROM documents.documents d WHERE {where}
                ORDER BY d.created_at DESC, d.id DESC LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
            *args, limit, offset)
    return list(rows), int(total)


def _by_ref(ref: str) -> tuple[str, Any]:
    """A reference is a WPsigner number (digits only) or a core id (which never is all digits)."""
    return ("d.number = $2", int(ref)) if ref.isdigit() else ("d.id = $2", ref)


async def find_ref(conn: asyncpg.Connection, org_id: str, ref: str) -> asyncpg.Record | None:
    condition, value = _by_ref(ref)
    return await conn.fetchrow(
        f"""SELECT d.number, d.id, d.name, d.status, d.created_by FROM documents.documents d
            WHERE d.org_id = $1 AND {condition} AND d.deleted_at IS NULL""", org_id, value)


@dataclass(frozen=True, slots=True)
class Detail:
    document: asyncpg.Record
    signers: Sequence[asyncpg.Record]
    fields: Sequence[asyncpg.Record]
    values: dict[str, Any]  # field id -> submitted value (JSON)


async def load_detail(app: web.Application, pool: asyncpg.Pool, org_id: str, ref: str) -> Detail:
    async with pool.acquire() as conn:
        found = await find_ref(conn, org_id, ref)
    if found is None:
        raise document_not_found()
    # As the core's GET does: an upload that has arrived is verified now, so a document created
    # through the WPsigner API shows its page count and hash at once.
    await files.verify_pending_upload(app, pool, org_id, found["id"])
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        document = await conn.fetchrow(
            f"""SELECT {_DETAIL_COLUMNS} FROM documents.documents d
                WHERE d.org_id = $1 AND d.id = $2 AND d.deleted_at IS NULL""", org_id, found["id"])
        if document is None:
            raise document_not_found()
        signers = await conn.fetch(
            f"""SELECT {_SIGNER_COLUMNS} FROM documents.signers WHERE document_id = $1
                ORDER BY signing_order, created_at, id""", found["id"])
        fields = await conn.fetch(
            f"""SELECT {_FIELD_COLUMNS} FROM documents.fields WHERE document_id = $1
                ORDER BY page, y, x, id""", found["id"])
        values = await conn.fetch("SELECT field_id, value FROM documents.field_values WHERE document_id = $1",
                                  found["id"])
    return Detail(document, list(signers), list(fields), {r["field_id"]: r["value"] for r in values})


async def _object_keys(conn: asyncpg.Connection, document_id: str) -> list[str]:
    row = await conn.fetchrow(
        "SELECT file_key, pdf_key, signed_file_key FROM documents.documents WHERE id = $1", document_id)
    attachments = await conn.fetch("SELECT file_key FROM documents.attachments WHERE document_id = $1", document_id)
    keys = [row["file_key"], row["pdf_key"], row["signed_file_key"], *(a["file_key"] for a in attachments)]
    return sorted({key for key in keys if key})


async def hard_delete(app: web.Application, pool: asyncpg.Pool, org_id: str, ctx: RequestContext,
                      document_id: str) -> None:
    """Delete the document, its signers, fields, values and files for good.

    Allowed in the statuses where the state machine allows a (soft) delete: never while signers
    may still act. The audit service keeps the trail, which ends with `document.deleted`
    ({"name", "permanent": true}), recorded in the same transaction as the delete.
    """
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            """SELECT id, name, status FROM documents.documents
               WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE""", org_id, document_id)
        if row is None:
            raise document_not_found()
        if row["status"] not in allowed_from(Action.DELETE):
            raise await refused(conn, org_id, document_id, Action.DELETE)
        keys = await _object_keys(conn, document_id)
        for table in ("field_values", "fields", "signers", "attachments"):
            await conn.execute(f"DELETE FROM documents.{table} WHERE document_id = $1", document_id)
        await conn.execute("DELETE FROM documents.documents WHERE id = $1", document_id)
        await emit(conn, ctx, org_id, document_id, "document.deleted", {"name": row["name"], "permanent": True})
    await _delete_objects(app[STORAGE], keys)


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


async def file_link(app: web.Application, pool: asyncpg.Pool, org_id: str, ctx: RequestContext,
                    document_id: str, ttl: int) -> FileLink:
    """A presigned GET of the document's PDF (the signed one once completed), as the core's
    download chooses it; the hand-out is recorded as `document.downloaded`, since whoever holds
    the URL can read the file until it expires."""
    target = await file_download.resolve_download(app, pool, org_id, document_id)
    async with pool.acquire() as conn:
        original = await conn.fetchval("SELECT file_name FROM documents.documents WHERE id = $1", document_id)
    filename = target.filename if target.signed else (original or target.filename)
    url = await app[STORAGE].presign_get(target.key, ttl, content_type=file_download.PDF,
                                         content_disposition=file_download.content_disposition(filename))
    await file_download.record_download(pool, ctx, org_id, document_id, target)
    return FileLink(url, filename, file_download.PDF, target.signed, ttl)
