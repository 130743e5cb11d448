"""Attachments of a document (api-attachments.txt): list, add while draft, remove while draft.

An uploaded file is judged like any upload (file_check.py does the document's file the same
way): its type by magic bytes (PDF, JPG, PNG, WebP), then the limited checker process
(pdf.inspect_file: parse, page limits, pixel bombs, timeouts), which converts an image to a
one-page PDF and removes a PDF's active content. What is stored is that PDF, under a key only
the service writes; signers download exactly it, and the certificate of completion lists its
SHA-256.

The check runs outside any transaction (it may take seconds). The draft and the cap of 5 are
checked before it, so a refused request costs nothing, and again under the document's row lock
when the row is written, so two concurrent uploads can never make a sixth. An object stored for
a request that then loses is deleted again.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.documents.adapters.storage import attachment_key
from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.files import UNAVAILABLE, storage_unavailable
from services.documents.commands.service import lock_for_edit, require_document, touch_for_edit
from services.documents.db import attachment_repository as repo
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.payloads import attachment_payload
from services.documents.domain.statemachine import TransitionNotAllowed
from services.documents.pdf import inspect_file
from services.documents.pdf.magic import HEAD_SIZE, IMAGE_TYPES, PDF, SUPPORTED_TYPES, detect_type
from shared.context import RequestContext
from shared.contracts.attachments import FILE_FIELD, MAX_ATTACHMENTS
from shared.ids import prefixed_id

log = logging.getLogger("countersign.documents.attachments")


@dataclass(frozen=True, slots=True)
class Received:
    """The file of the request, saved to a private temporary file by the API layer."""

    path: Path
    file_name: str
    size: int


@dataclass(frozen=True, slots=True)
class Stored:
    key: str
    size: int
    sha256: str
    page_count: int
    uploaded_type: str

    def columns(self, file_name: str, position: int) -> dict[str, object]:
        """The attachment row's file columns."""
        return {
            "file_name": file_name,
            "file_key": self.key,
            "file_size": self.size,
            "mime_type": PDF,
            "position": position,
            "sha256": self.sha256,
            "page_count": self.page_count,
            "uploaded_type": self.uploaded_type,
        }


async def list_attachments(pool: asyncpg.Pool, org_id: str, document_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await require_document(conn, org_id, document_id)
        return await repo.list_attachments(conn, document_id)


async def _lock_draft(conn: asyncpg.Connection, org_id: str, document_id: str) -> None:
    try:
        await lock_for_edit(conn, org_id, document_id)
    except TransitionNotAllowed as refused:
        raise Conflicting(
            f"Attachments can only be added or removed while the document is a draft (it is {refused.status.value})",
            code="document-not-draft",
        ) from None


def _limit_reached() -> Conflicting:
    return Conflicting(f"A document can have at most {MAX_ATTACHMENTS} attachments", code="attachment-limit")


async def _check_room(conn: asyncpg.Connection, org_id: str, document_id: str) -> int:
    """Under the document's lock: a draft with room for one more; the new one's position."""
    await _lock_draft(conn, org_id, document_id)
    count, position = await repo.count_and_next_position(conn, document_id)
    if count >= MAX_ATTACHMENTS:
        raise _limit_reached()
    return position


def _refused_file(code: str, message: str) -> Invalid:
    return Invalid(
        f"The attachment was rejected: {message} ({code})",
        code="file-invalid",
        fields=[FieldIssue(FILE_FIELD, f"{message} ({code})")],
    )


async def judge_and_store(deps: Deps, org_id: str, document_id: str, attachment_id: str, received: Received) -> Stored:
    with received.path.open("rb") as head:
        detected = detect_type(head.read(HEAD_SIZE))
    if detected not in SUPPORTED_TYPES:
        raise Invalid(
            "Attachments must be PDF, JPG, PNG or WebP files",
            code="attachment-type",
            fields=[FieldIssue(FILE_FIELD, "Not a PDF, JPG, PNG or WebP file (judged by its content)")],
        )
    settings = deps.settings
    with tempfile.TemporaryDirectory(prefix="countersign-attachment-") as workdir:
        is_image = detected in IMAGE_TYPES
        inspection = await inspect_file(
            received.path,
            detected,
            max_bytes=settings.attachment_max_bytes,
            timeout_s=settings.pdf_parse_timeout_seconds,
            memory_mb=settings.pdf_parse_memory_mb,
            convert_to=Path(workdir) / "converted.pdf" if is_image else None,
            clean_to=None if is_image else Path(workdir) / "cleaned.pdf",
        )
        if not inspection.ok:
            assert inspection.reason is not None
            raise _refused_file(inspection.reason.code.value, inspection.reason.message)
        assert inspection.sha256 is not None and inspection.page_count is not None
        written = inspection.converted or inspection.cleaned
        pdf_path, size, sha256 = (
            (written.path, written.size, written.sha256)
            if written is not None
            else (received.path, inspection.size, inspection.sha256)
        )
        key = attachment_key(org_id, document_id, attachment_id)
        try:
            await deps.storage.put_file(key, pdf_path, PDF)
        except UNAVAILABLE:
            raise storage_unavailable() from None
    return Stored(key, size, sha256, inspection.page_count, detected)


async def add_attachment(
    deps: Deps, org_id: str, ctx: RequestContext, document_id: str, received: Received
) -> asyncpg.Record:
    async with deps.pool.acquire() as conn, conn.transaction():
        await _check_room(conn, org_id, document_id)  # fail fast, before the checker runs
    attachment_id = prefixed_id("att")
    stored = await judge_and_store(deps, org_id, document_id, attachment_id, received)
    try:
        async with deps.pool.acquire() as conn, conn.transaction():
            position = await _check_room(conn, org_id, document_id)
            row = await repo.insert_attachment(
                conn, attachment_id, document_id, stored.columns(received.file_name, position)
            )
            await touch_for_edit(conn, org_id, document_id)
            await emit(conn, ctx, org_id, document_id, "attachment.added", {"attachment": attachment_payload(row)})
    except BaseException:
        await forget_object(deps, stored.key)
        raise
    return row


async def remove_attachment(deps: Deps, org_id: str, ctx: RequestContext, document_id: str, attachment_id: str) -> None:
    async with deps.pool.acquire() as conn, conn.transaction():
        await _lock_draft(conn, org_id, document_id)
        row = await repo.delete_attachment(conn, document_id, attachment_id)
        if row is None:
            raise NotFound("Attachment")
        await touch_for_edit(conn, org_id, document_id)
        await emit(conn, ctx, org_id, document_id, "attachment.removed", {"attachment": attachment_payload(row)})
    # After the commit: "deletes the file from storage" (the reference); a failure leaves an
    # orphan object no row names, never a row without its object.
    await forget_object(deps, row["file_key"])


async def forget_object(deps: Deps, key: str) -> None:
    with contextlib.suppress(*UNAVAILABLE):
        await deps.storage.delete(key)
