"""Page images for the signing page: the verified PDF rendered on the server, cached in S3.

    renderer = PageRenderer(max_pixels)             app[RENDERER], one per process
    await renderer.png(storage, settings, document, page, scale, sandbox) -> bytes
    page_key(org_id, document_id, sha256, page, scale) -> str     where the PNG is cached
    page_etag(sha256, page, scale) -> str                          its strong ETag

Rendering runs pdfium in a warm worker of the service's sandbox pool (sandbox_pool.py), or
without one in a child process of its own (`pdf.sandbox.run_limited` for the wall clock and the
kill; `page_render_worker` sets the memory, CPU and output rlimits, as `pdf.inspect_worker`
does), under the limits of upload verification either way: the file passed verification, but it
is a stranger's file and pdfium is a large C library.

Why S3 and not local disk: the services are stateless and run as several replicas, so a page one
replica rendered must serve every replica; S3 is already where the document lives, under its
own prefix (`documents/{org}/{doc}/pages/…`), so the images go wherever the document's files go.
The key carries the verified PDF's SHA-256, the page and the scale: what a key names never
changes, so an entry never needs invalidating, and a browser may cache the image too.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from services.documents.adapters.page_render_worker import RenderReply, RenderRequest
from services.documents.adapters.storage import ObjectMissing, Storage
from services.documents.adapters.verified_pdf import fetch_pdf
from services.documents.domain.file_keys import safe_filename
from services.documents.domain.verified_file import verified_of
from services.documents.pdf.sandbox import Sandbox, child_env, run_limited
from shared.settings import Settings

log = logging.getLogger("countersign.documents.pages")

PNG = "image/png"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# An RGB PNG of MAX_PIXELS cannot usefully exceed this; a larger file is not believed.
MAX_PNG_BYTES = 48 * 1024 * 1024

WORKER_ARGV: list[str] = [sys.executable, "-m", "services.documents.adapters.page_render_worker"]


class RenderFailed(Exception):
    """The page could not be rendered within the limits (the message says how it ended)."""


def _scale_label(scale: float) -> str:
    return f"{scale:.2f}".rstrip("0").rstrip(".")


def page_key(org_id: str, document_id: str, sha256: str, page: int, scale: float) -> str:
    # The same prefix as file_keys (documents/{org}/{doc}/), so the images live and go with the
    # document's other files; ids are sanitised the same way, since a key is a path.
    prefix = f"documents/{safe_filename(org_id, 'org')}/{safe_filename(document_id, 'doc')}"
    return f"{prefix}/pages/{safe_filename(sha256, 'pdf')}/{page}@{_scale_label(scale)}x.png"


def page_etag(sha256: str, page: int, scale: float) -> str:
    """Strong: the bytes for (verified PDF, page, scale) never change once rendered."""
    return f'"{sha256[:32]}-{page}-{_scale_label(scale)}"'


# --- one render, in a warm sandbox worker or a limited child process -----------------------------


async def render_page(
    pdf_path: Path,
    out_path: Path,
    page: int,
    scale: float,
    *,
    timeout_s: float,
    memory_mb: int,
    max_pixels: int,
    sandbox: Sandbox | None = None,
) -> bytes:
    """The PNG of 1-based `page`, or RenderFailed. `out_path` is left for the caller to remove.
    `max_pixels` bounds the bitmap the child may allocate (the API's caps: api/page_scale.py)."""
    request = RenderRequest(
        pdf_path=str(pdf_path),
        out_path=str(out_path),
        page_index=page - 1,
        scale=scale,
        max_pixels=max_pixels,
        memory_mb=memory_mb,
        cpu_seconds=max(1, math.ceil(timeout_s)),
    )
    if sandbox is not None:
        outcome = await sandbox.run(
            "render",
            request.to_json(),
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            cpu_seconds=request.cpu_seconds,
            reply_cap=4096,
        )
    else:
        outcome = await run_limited(
            [*WORKER_ARGV, request.to_json()], timeout_s=timeout_s, env=child_env(), stdout_cap=4096
        )
    reply = RenderReply.parse(outcome.stdout) if outcome.returncode == 0 else None
    if reply is None:
        if outcome.timed_out or outcome.returncode == -signal.SIGXCPU:
            how = "timed out"
        else:
            how = f"ended with status {outcome.returncode}"
        raise RenderFailed(f"the renderer {how}: {outcome.stderr_tail[-300:].decode(errors='replace').strip()}")
    if not reply.ok:
        raise RenderFailed(reply.message)
    return await asyncio.to_thread(_read_png, out_path)


def _read_png(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_PNG_BYTES + 1)
    except OSError:
        raise RenderFailed("the renderer reported a page but wrote no image") from None
    if len(data) > MAX_PNG_BYTES or not data.startswith(PNG_MAGIC):
        raise RenderFailed("the renderer wrote something that is not an acceptable PNG")
    return data


# --- cache and single flight ----------------------------------------------------------------------


async def _cached(storage: Storage, key: str) -> bytes | None:
    try:
        async with storage.stream(key) as obj:
            if obj.size > MAX_PNG_BYTES:
                return None
            chunks = [chunk async for chunk in obj.chunks()]
    except ObjectMissing:
        return None
    data = b"".join(chunks)
    return data if data.startswith(PNG_MAGIC) else None


class PageRenderer:
    """Renders through the cache, one render per key at a time in this process, and a bound on
    concurrent renders (without the pool, each is a process of up to `pdf_parse_memory_mb`).

    A signing page asks for every page at once; two signers of one document open it at the same
    moment: each image is rendered once. Other replicas may render the same key too; both write
    the same bytes, so the race is harmless."""

    def __init__(self, max_pixels: int, max_concurrent: int = 2) -> None:
        self._max_pixels = max_pixels
        self._slots = asyncio.Semaphore(max_concurrent)
        self._running: dict[str, asyncio.Task[bytes]] = {}

    async def png(
        self,
        storage: Storage,
        settings: Settings,
        document: Mapping[str, Any],
        page: int,
        scale: float,
        sandbox: Sandbox | None = None,
    ) -> bytes:
        """The PNG of `page` of the document's verified PDF. Raises RenderFailed, FileChanged,
        ObjectMissing/ObjectChanged (the stored PDF is not the verified one) or a storage error."""
        verified = verified_of(document)
        key = page_key(document["org_id"], document["id"], verified.sha256, page, scale)
        if (hit := await _cached(storage, key)) is not None:
            return hit

        async def produce() -> bytes:
            async with self._slots:
                data = await _render_verified(storage, settings, document, page, scale, self._max_pixels, sandbox)
            try:
                await storage.put_bytes(key, data, PNG)
            except Exception as exc:  # a cache write failing costs a later render, not this answer
                log.warning("could not cache a page image of %s: %r", document["id"], exc)
            return data

        return await self._single(key, produce)

    async def _single(self, key: str, produce: Callable[[], Coroutine[Any, Any, bytes]]) -> bytes:
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(produce())
            self._running[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # Shielded: a browser that goes away (a scrolled-past lazy image) must not kill the
        # render another request is waiting for.
        return await asyncio.shield(task)

    def _forget(self, key: str, task: asyncio.Task[bytes]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled() and task.exception() is not None:
            log.debug("page render failed", exc_info=task.exception())


async def _render_verified(
    storage: Storage,
    settings: Settings,
    document: Mapping[str, Any],
    page: int,
    scale: float,
    max_pixels: int,
    sandbox: Sandbox | None,
) -> bytes:
    workdir = Path(tempfile.mkdtemp(prefix="countersign-page-"))
    try:
        pdf_path = workdir / "document.pdf"
        # Hash-checked download: only the bytes that were verified are ever rendered.
        await fetch_pdf(storage, verified_of(document), pdf_path)
        return await render_page(
            pdf_path,
            workdir / "page.png",
            page,
            scale,
            timeout_s=settings.pdf_parse_timeout_seconds,
            memory_mb=settings.pdf_parse_memory_mb,
            max_pixels=max_pixels,
            sandbox=sandbox,
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


RENDERER: web.AppKey[PageRenderer] = web.AppKey("page_renderer", PageRenderer)
