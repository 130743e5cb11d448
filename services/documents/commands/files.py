"""The document's file: upload URLs, verification, and the gate `send` goes through.

Public API (the lifecycle/signing code calls these):

    await require_verified_file(deps, conn_or_pool, org_id, document_id) -> VerifiedFile
        The verified PDF of a document, verifying a pending upload first if needed. Raises
        NotFound (no such document), or Invalid with code `file-missing` ("No file has been
        uploaded") or `file-invalid` (the reason and code, e.g. "... (encrypted)"), each with
        fields=[FieldIssue("file", ...)]; Unavailable when S3 or the checker fails. Call it with the pool BEFORE opening the send
        transaction (a check may take seconds: download + parse), then again inside it with the
        transaction's connection (cheap once verified: one SELECT) to be race-free against a new
        upload. Given a connection, it reads and writes through it only.

    (Reading the verified PDF back, hash-checked: adapters/verified_pdf.fetch_pdf.)

    await verify_pending_upload(deps, org_id, document_id) -> None
        GET of a draft: if its upload has arrived, verify it now (errors are logged, never raised).

    await request_upload(deps, org_id, ctx, document_id, filename=…, content_type=…, file_size=…) -> UploadGrant

Templates hold their file the same way (`table="templates"`, the template's id for document_id):
commands/template_files.py. A replaced object is deleted only when no document or template
still points at it (a template's file is shared by the documents made from it).

Verification results are stored on the document (file_status verified | rejected, with the
reason and code) by a conditional update on the upload's key, so it is idempotent and safe when
several GETs, sends or replicas check the same upload at once.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import aiohttp
import asyncpg
from botocore.exceptions import BotoCoreError, ClientError

from services.documents.adapters.storage import Storage, original_key, safe_filename
from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.file_check import Accepted, Outcome, Refused, Upload, check_upload
from services.documents.commands.service import document_not_found, refused
from services.documents.db import file_repository as repo
from services.documents.db.file_repository import FileTable
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound, Unavailable
from services.documents.domain.statemachine import Action, Status, allowed_from
from services.documents.domain.verified_file import VerifiedFile, verified_of
from shared.context import RequestContext

log = logging.getLogger("countersign.documents.files")

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
# S3 unreachable or failing, or no room/process for a check: temporary, worth a retry.
UNAVAILABLE = (BotoCoreError, ClientError, aiohttp.ClientError, TimeoutError, OSError)


def no_file(kind: type[Invalid | Conflicting] = Invalid) -> Invalid | Conflicting:
    """No file yet: bad input to a send (Invalid), or nothing to download (Conflicting)."""
    return kind(
        "No file has been uploaded",
        fields=[
            FieldIssue(
                "file", "Upload the document's file first: POST /api/v1/documents/{id}/upload, then PUT it to uploadUrl"
            )
        ],
        code="file-missing",
    )


def file_rejected(code: str, message: str, kind: type[Invalid | Conflicting] = Invalid) -> Invalid | Conflicting:
    return kind(
        f"The document's file was rejected: {message} ({code})",
        fields=[FieldIssue("file", f"{message} ({code})")],
        code="file-invalid",
    )


def storage_unavailable() -> Unavailable:
    return Unavailable("File storage is unavailable; try again shortly")


@contextlib.asynccontextmanager
async def _connection(db: Db) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            yield conn
    else:
        yield db


def _not_found(table: FileTable) -> NotFound:
    return document_not_found() if table == "documents" else NotFound("Template")


async def _read(db: Db, org_id: str, document_id: str, table: FileTable = "documents") -> asyncpg.Record:
    async with _connection(db) as conn:
        row = await repo.find_file(conn, org_id, document_id, table)
    if row is None:
        raise _not_found(table)
    return row


async def _record(db: Db, storage: Storage, upload: Upload, outcome: Outcome) -> None:
    if outcome is None:
        return
    async with _connection(db) as conn:
        if isinstance(outcome, Refused):
            await repo.mark_rejected(
                conn,
                upload.org_id,
                upload.document_id,
                upload.file_key,
                code=outcome.code,
                message=outcome.message,
                original_size=outcome.original_size,
                original_sha256=outcome.original_sha256,
                table=upload.table,
            )
            return
        won = await repo.mark_verified(
            conn,
            upload.org_id,
            upload.document_id,
            upload.file_key,
            pdf_key=outcome.pdf_key,
            pdf_etag=outcome.pdf_etag,
            pdf_size=outcome.pdf_size,
            pdf_sha256=outcome.pdf_sha256,
            page_count=outcome.page_count,
            page_sizes=outcome.page_sizes,
            file_etag=outcome.file_etag,
            original_size=outcome.original_size,
            original_sha256=outcome.original_sha256,
            active_content_removed=outcome.active_content_removed,
            table=upload.table,
        )
        if won:
            return
        # Lost: fine if the winner was our own shared check (same pdf_key), else ours is an orphan.
        current = await repo.find_file(conn, upload.org_id, upload.document_id, upload.table)
    if current is None or current["pdf_key"] != outcome.pdf_key:
        await _discard(storage, outcome)


async def _discard(storage: Storage, outcome: Accepted) -> None:
    """Another check (or a newer upload) won: our copy of the PDF belongs to nobody."""
    try:
        await storage.delete(outcome.pdf_key)
    except Exception as exc:  # an orphan object costs storage, not correctness
        log.warning("could not delete an unused verified PDF %s: %r", outcome.pdf_key, exc)


def awaits_check(row: Mapping[str, Any]) -> bool:
    """A draft whose upload may have arrived since it was requested, and is not checked yet."""
    return row["file_status"] == "awaiting_upload" and row["status"] == Status.DRAFT


async def settle(deps: Deps, db: Db, org_id: str, document_id: str, table: FileTable = "documents") -> asyncpg.Record:
    """The document's file state after checking an upload that has arrived (drafts only)."""
    row = await _read(db, org_id, document_id, table)
    if not awaits_check(row):
        return row
    upload = Upload(org_id, document_id, row["file_key"], row["file_content_type"], row["file_declared_size"], table)
    storage, settings = deps.storage, deps.settings
    try:
        outcome = await deps.checker.run(upload.file_key, lambda: check_upload(storage, settings, upload, deps.sandbox))
    except UNAVAILABLE as exc:
        log.warning("could not check the upload of %s: %r", document_id, exc)
        raise storage_unavailable() from None
    if outcome is None:
        return row
    await _record(db, storage, upload, outcome)
    return await _read(db, org_id, document_id, table)


async def require_verified_file(
    deps: Deps, conn_or_pool: Db, org_id: str, document_id: str, table: FileTable = "documents"
) -> VerifiedFile:
    row = await settle(deps, conn_or_pool, org_id, document_id, table)
    status = row["file_status"]
    if status == "verified":
        return verified_of(row)
    if status == "rejected":
        raise file_rejected(row["file_error_code"], row["file_error"])
    raise no_file()


async def verify_pending_upload(deps: Deps, org_id: str, document_id: str, table: FileTable = "documents") -> None:
    try:
        await settle(deps, deps.pool, org_id, document_id, table)
    except Unavailable:
        # S3 or the checker unavailable: the detail still answers (without the file); the next
        # GET or the send checks again.
        return


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """Where and how the client PUTs the file: the presigned URL and the headers it is bound to."""

    url: str
    file_key: str
    expires_in: int
    headers: dict[str, str]


async def request_upload(
    deps: Deps,
    org_id: str,
    ctx: RequestContext,
    document_id: str,
    *,
    filename: str,
    content_type: str,
    file_size: int | None,
    table: FileTable = "documents",
) -> UploadGrant:
    settings, storage = deps.settings, deps.storage
    file_name = safe_filename(filename)
    key = original_key(org_id, document_id, secrets.token_hex(8), file_name)
    ttl = settings.upload_url_ttl_seconds
    # Signing is local (no S3 round trip), so the URL is made before the change is committed.
    presigned = await storage.presign_put(key, content_type, file_size, ttl)
    async with deps.pool.acquire() as conn, conn.transaction():
        row = await repo.start_upload(
            conn,
            org_id,
            document_id,
            allowed_from(Action.EDIT),
            file_key=key,
            file_name=file_name,
            content_type=content_type,
            declared_size=file_size,
            table=table,
        )
        if row is None:
            if table == "templates":
                raise _not_found(table)
            raise await refused(conn, org_id, document_id, Action.EDIT)
        if table == "documents":
            await emit(conn, ctx, org_id, document_id, "document.updated", {"name": row["name"], "changes": ["file"]})
        replaced = {row["old_file_key"], row["old_pdf_key"]} - {None}
        replaced -= await repo.keys_in_use(conn, replaced, except_document=document_id)
    for old in replaced:
        try:
            await storage.delete(old)
        except Exception as exc:  # the replaced file is unreachable either way
            log.warning("could not delete replaced object %s: %r", old, exc)
    return UploadGrant(presigned.url, key, ttl, dict(presigned.headers))
