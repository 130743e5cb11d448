"""Downloading a document's PDF: which object, under which filename, streamed with flat memory.

Public helpers (the signing API's GET /signing/{token}/file can reuse them):

    content_disposition(filename) -> str          attachment; filename="..."[; filename*=UTF-8''...]
    download_filename(name, signed) -> str        "<Name> - Signed.pdf" | "<Name>.pdf"
    await stream_pdf(request, storage, key, filename, if_match=None) -> web.StreamResponse
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg
from aiohttp import web

from services.documents.commands.events import emit
from services.documents.commands.files import UNAVAILABLE, file_rejected, no_file, settle, storage_unavailable
from services.documents.adapters.storage import ObjectChanged, ObjectMissing, ObjectStream, Storage
from services.documents.domain.statemachine import Status
from shared.context import RequestContext
from shared.problems import Problem

PDF = "application/pdf"
# Characters that may not appear in a header value or would end it: controls (CR, LF, NUL...),
# format characters, and the Unicode line/paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# RFC 5987 attr-char: what may stay unescaped in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


def download_filename(name: str, signed: bool) -> str:
    return f"{name} - Signed.pdf" if signed else f"{name}.pdf"


def _clean(filename: str) -> str:
    kept = "".join(ch for ch in filename if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    # A path separator in a name would make some clients save outside the chosen folder.
    return re.sub(r"\s+", " ", kept.replace("/", "_").replace("\\", "_")).strip() or "document.pdf"


def _ascii_fallback(filename: str) -> str:
    out = []
    for ch in filename:
        folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
        if folded:
            out.append(folded)
        elif not unicodedata.combining(ch):
            out.append("_")
    # Inside a quoted-string a quote would need escaping, which clients handle inconsistently.
    return "".join(out).replace('"', "'")


def content_disposition(filename: str) -> str:
    """`attachment; filename="…"` (ASCII), plus RFC 5987 `filename*` when the name is not plain ASCII."""
    cleaned = _clean(filename)
    fallback = _ascii_fallback(cleaned)
    value = f'attachment; filename="{fallback}"'
    if fallback != cleaned:
        value += f"; filename*=UTF-8''{quote(cleaned, safe=_ATTR_CHARS)}"
    return value


@dataclass(frozen=True, slots=True)
class DownloadTarget:
    key: str
    etag: str | None
    filename: str
    signed: bool
    name: str


async def resolve_download(app: web.Application, pool: asyncpg.Pool, org_id: str, document_id: str) -> DownloadTarget:
    """The signed PDF of a completed document, otherwise the verified PDF (an arrived upload of a
    draft is verified first); 409 when there is none."""
    row = await settle(app, pool, org_id, document_id)
    name = row["name"]
    if row["status"] == Status.COMPLETED:
        if not row["signed_file_key"]:
            raise Problem(409, "The signed PDF of this document is not available yet", slug="file-missing")
        return DownloadTarget(row["signed_file_key"], None, download_filename(name, True), True, name)
    if row["file_status"] == "verified":
        return DownloadTarget(row["pdf_key"], row["pdf_etag"], download_filename(name, False), False, name)
    if row["file_status"] == "rejected":
        raise file_rejected(row["file_error_code"], row["file_error"], status=409)
    raise no_file(status=409)


async def record_download(pool: asyncpg.Pool, ctx: RequestContext, org_id: str, document_id: str,
                          target: DownloadTarget) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await emit(conn, ctx, org_id, document_id, "document.downloaded", {"name": target.name, "signed": target.signed})


async def stream_pdf(request: web.Request, storage: Storage, key: str, filename: str, *, if_match: str | None = None,
                     before_send: Callable[[ObjectStream], Awaitable[None]] | None = None) -> web.StreamResponse:
    """Relay an S3 object to the client chunk by chunk (never the whole object in memory).

    `before_send` runs once the object is known to exist and before the first byte is sent: a
    failure there still becomes a problem response instead of a truncated download."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            obj = await stack.enter_async_context(storage.stream(key, if_match=if_match))
        except (ObjectMissing, ObjectChanged):
            # Verified and signed objects are written once; storage was changed behind our back.
            raise Problem(409, "The document's file is no longer available in storage", slug="file-missing") from None
        except UNAVAILABLE:
            raise storage_unavailable() from None
        if before_send is not None:
            await before_send(obj)
        response = web.StreamResponse(status=200, headers={
            "Content-Type": PDF,
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        })
        response.content_length = obj.size
        await response.prepare(request)
        # From here on, a failure can only cut the connection short; the client sees fewer
        # bytes than Content-Length promised, never a corrupt file presented as complete.
        async for chunk in obj.chunks():
            await response.write(chunk)
        await response.write_eof()
        return response
    raise AssertionError("unreachable")  # pragma: no cover - for type checkers
