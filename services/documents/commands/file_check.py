"""Checking one upload: S3 object → size checks → limited checker process → the PDF to sign.

No database here: `check_upload` returns an outcome and files.py records it conditionally. The
order is cheapest first: a HEAD answers "not there yet", "too large" and "not the size you
declared" without downloading anything; only then are the bytes streamed to a temporary file
and handed to `inspect_file` (services/documents/pdf), which parses them in a warm sandbox worker
(the service's pool) or a child process, with memory and time limits. An accepted PDF is copied server-side to a `verified/` key (If-Match on
the ETag of the bytes that were hashed); an image's converted PDF is written there instead, and
so is a PDF's copy without active content (JavaScript, automatic actions, embedded files…) when
the checker removed some. The upload itself is never modified.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from services.documents.adapters.storage import ObjectChanged, ObjectMissing, ObjectTooLarge, Storage, verified_key
from services.documents.db.file_repository import FileTable
from services.documents.pdf import inspect_file
from services.documents.pdf.sandbox import Sandbox
from shared.settings import Settings

log = logging.getLogger("countersign.documents.files")

PDF = "application/pdf"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
# Our own code beside the toolkit's (services/documents/pdf/codes.py).
SIZE_MISMATCH = "size_mismatch"
TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Upload:
    """The upload a document waits for, as recorded when its URL was issued."""

    org_id: str
    document_id: str
    file_key: str
    content_type: str
    declared_size: int | None
    table: FileTable = "documents"  # or the template (document_id is then the template's id)


@dataclass(frozen=True, slots=True)
class Accepted:
    pdf_key: str
    pdf_etag: str
    pdf_size: int
    pdf_sha256: str
    page_count: int
    page_sizes: tuple[tuple[float, float], ...]
    file_etag: str
    original_size: int
    original_sha256: str
    active_content_removed: tuple[str, ...] = ()  # kinds removed from the upload in pdf_key's copy


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    message: str
    original_size: int | None = None
    original_sha256: str | None = None


# None: the object is not in S3 (yet) — the client has not PUT it, nothing to judge.
Outcome = Accepted | Refused | None


async def check_upload(storage: Storage, settings: Settings, upload: Upload, sandbox: Sandbox | None = None) -> Outcome:
    info = await storage.head(upload.file_key)
    if info is None:
        return None
    limit = settings.max_upload_bytes
    if info.size > limit:
        return Refused(TOO_LARGE, f"The file is {info.size:,} bytes; at most {limit:,} bytes are accepted.", info.size)
    if upload.declared_size is not None and info.size != upload.declared_size:
        return Refused(
            SIZE_MISMATCH,
            f"The uploaded file is {info.size:,} bytes, but the upload request declared "
            f"{upload.declared_size:,} bytes.",
            info.size,
        )
    with tempfile.TemporaryDirectory(prefix="countersign-check-") as workdir:
        return await _download_and_inspect(storage, settings, upload, Path(workdir), sandbox)


async def _download_and_inspect(
    storage: Storage, settings: Settings, upload: Upload, workdir: Path, sandbox: Sandbox | None
) -> Outcome:
    original = workdir / "upload"
    try:
        downloaded = await storage.download_to(upload.file_key, original, settings.max_upload_bytes)
    except ObjectMissing:
        return None
    except ObjectTooLarge as exc:  # replaced by a larger object since the HEAD
        return Refused(TOO_LARGE, f"The file is larger than {exc.max_bytes:,} bytes.", exc.size)
    if upload.declared_size is not None and downloaded.size != upload.declared_size:
        return Refused(
            SIZE_MISMATCH,
            f"The uploaded file is {downloaded.size:,} bytes, but the upload request "
            f"declared {upload.declared_size:,} bytes.",
            downloaded.size,
        )

    is_image = upload.content_type in IMAGE_TYPES
    converted = workdir / "converted.pdf" if is_image else None
    inspection = await inspect_file(
        original,
        upload.content_type,
        max_bytes=settings.max_upload_bytes,
        timeout_s=settings.pdf_parse_timeout_seconds,
        memory_mb=settings.pdf_parse_memory_mb,
        convert_to=converted,
        clean_to=None if is_image else workdir / "cleaned.pdf",
        sandbox=sandbox,
    )
    if not inspection.ok:
        assert inspection.reason is not None
        return Refused(inspection.reason.code.value, inspection.reason.message, inspection.size, inspection.sha256)
    assert inspection.sha256 is not None and inspection.page_count is not None

    target = verified_key(upload.org_id, upload.document_id, secrets.token_hex(8))
    # A PDF the checker wrote (converted image, or the upload without its active content) is
    # stored as is: made from the downloaded bytes, so it is what was judged.
    written = inspection.converted or inspection.cleaned
    if written is not None:
        pdf_etag = await storage.put_file(target, written.path, PDF)
        pdf_size, pdf_sha256 = written.size, written.sha256
    else:
        try:
            # Exactly the bytes we hashed, or nothing: the upload URL may have been reused since.
            pdf_etag = await storage.copy(upload.file_key, target, if_match=downloaded.etag)
        except (ObjectChanged, ObjectMissing):
            return None  # replaced or removed while we checked: the next check judges the new bytes
        pdf_size, pdf_sha256 = inspection.size, inspection.sha256
    return Accepted(
        pdf_key=target,
        pdf_etag=pdf_etag,
        pdf_size=pdf_size,
        pdf_sha256=pdf_sha256,
        page_count=inspection.page_count,
        page_sizes=inspection.page_sizes,
        file_etag=downloaded.etag,
        original_size=inspection.size,
        original_sha256=inspection.sha256,
        active_content_removed=inspection.removed,
    )


class Checker:
    """One check per upload at a time in this process, and a bound on concurrent checkers.

    Concurrent GETs of a draft whose file just arrived share one check instead of each starting
    a child process; the bound keeps N uploads from starting N processes of `pdf_parse_memory_mb`
    each. Other replicas may check the same upload too: the conditional update keeps that safe."""

    def __init__(self, max_concurrent: int = 2) -> None:
        self._slots = asyncio.Semaphore(max_concurrent)
        self._running: dict[str, asyncio.Task[Outcome]] = {}

    async def run(self, file_key: str, check: Callable[[], Awaitable[Outcome]]) -> Outcome:
        task = self._running.get(file_key)
        if task is None:
            task = asyncio.create_task(self._bounded(check))
            self._running[file_key] = task
            task.add_done_callback(lambda done: self._forget(file_key, done))
        # Shielded: a caller that goes away (client disconnect) must not kill the others' check.
        return await asyncio.shield(task)

    async def _bounded(self, check: Callable[[], Awaitable[Outcome]]) -> Outcome:
        async with self._slots:
            return await check()

    def _forget(self, file_key: str, task: asyncio.Task[Outcome]) -> None:
        if self._running.get(file_key) is task:
            del self._running[file_key]
        if not task.cancelled() and task.exception() is not None:
            log.debug("file check failed", exc_info=task.exception())
