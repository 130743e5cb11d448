"""Downloading a document's PDF: which object, under which filename, and the record of it.

Public helpers (the signing API's GET /signing/{token}/file reuses them; api/pdf_stream.py relays
the bytes):

    content_disposition(filename) -> str          attachment; filename="..."[; filename*=UTF-8''...]
    download_filename(name, signed) -> str        "<Name> - Signed.pdf" | "<Name>.pdf"
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.files import file_rejected, no_file, settle
from services.documents.domain.errors import Conflicting
from services.documents.domain.statemachine import Status
from shared.context import RequestContext

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


async def resolve_download(deps: Deps, org_id: str, document_id: str) -> DownloadTarget:
    """The signed PDF of a completed document, otherwise the verified PDF (an arrived upload of a
    draft is verified first); 409 when there is none."""
    row = await settle(deps, deps.pool, org_id, document_id)
    name = row["name"]
    if row["status"] == Status.COMPLETED:
        if not row["signed_file_key"]:
            raise Conflicting("The signed PDF of this document is not available yet", code="file-missing")
        return DownloadTarget(row["signed_file_key"], None, download_filename(name, True), True, name)
    if row["file_status"] == "verified":
        return DownloadTarget(row["pdf_key"], row["pdf_etag"], download_filename(name, False), False, name)
    if row["file_status"] == "rejected":
        raise file_rejected(row["file_error_code"], row["file_error"], Conflicting)
    raise no_file(Conflicting)


async def record_download(
    pool: asyncpg.Pool, ctx: RequestContext, org_id: str, document_id: str, target: DownloadTarget
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await emit(
            conn, ctx, org_id, document_id, "document.downloaded", {"name": target.name, "signed": target.signed}
        )
