"""The signed PDF for the people on a document: GET /api/v1/signing/{token}/download.

Every participant's completion email links here with their own token (the notifier gets the link
from POST /internal/signers/{signerId}/download-link). Signers and approvers reuse their signing
token; viewers, who never had one, get one derived the same way (tokens.py) when the notifier
first asks, and only once the document is completed, so a viewer's token never opens anything
but the finished copy.

The link works for SIGNED_COPY_RETENTION_DAYS (default 30) after completion, then answers 410
`download-expired`; before completion 409 (`document-not-completed`, `document-on-hold`), after
another ending 410 like the signing API. A rotated token (POST …/signing-url) is 404 here too.
Each download is recorded (`document.downloaded`, actor the signer) for the audit trail. The
sender downloads through the API (GET /api/v1/documents/{id}/download) with their key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from aiohttp import web

from services.documents.db import lifecycle_repository as repo
from services.documents.db import repository as documents_repo
from services.documents.domain import tokens
from services.documents.api.pdf_stream import stream_pdf
from services.documents.commands.deps import DEPS
from services.documents.commands.file_download import DownloadTarget, download_filename, record_download
from services.documents.commands.lifecycle_events import as_signer
from services.documents.api.schemas import ResponseModel, Timestamp
from services.documents.commands.signing_session import gone, link_not_found
from services.documents.domain.statemachine import TERMINAL, Status
from services.documents.adapters.storage import ObjectStream
from services.documents.api.views import dump
from shared.callers import add_internal_route
from shared.context import org_id_of, request_context
from shared.ids import is_plausible_id
from shared.problems import Problem, conflict, not_found
from shared.settings import Settings
from shared.timefmt import utcnow
from shared.web import json_response

def retention_days(settings: Settings) -> int:
    return settings.signed_copy_retention_days


def available_until(completed_at: datetime, days: int) -> datetime:
    return completed_at + timedelta(days=days)


def check_downloadable(document: asyncpg.Record, now: datetime, days: int) -> None:
    """Pure: whether the signed copy of this document may be handed out now."""
    status = Status(document["status"])
    if status is Status.COMPLETED:
        if not document["signed_file_key"] or document["completed_at"] is None:
            raise Problem(409, "The signed PDF of this document is not available yet", slug="file-missing")
        if now >= available_until(document["completed_at"], days):
            raise Problem(410, f"Signed copies can be downloaded for {days} days after completion; ask the sender for one",
                          slug="download-expired")
        return
    if status in TERMINAL:
        raise gone(status)
    if status is Status.ACTION_REQUIRED:
        raise conflict("The sender must fix a problem with this document first", slug="document-on-hold")
    raise conflict("The signed PDF is available once everyone has signed", slug="document-not-completed")


async def _by_token(conn: asyncpg.Connection, token: str) -> tuple[asyncpg.Record, asyncpg.Record]:
    if not tokens.looks_like_token(token):
        raise link_not_found()
    signer = await repo.signer_by_token_hash(conn, tokens.token_hash(token))
    document = (await documents_repo.find_document(conn, signer["document_id"], org_id=None)  # reached by the token
                if signer is not None else None)
    if signer is None or document is None:
        raise link_not_found()
    return signer, document


async def download(request: web.Request) -> web.StreamResponse:
    pool = request.app[DEPS].pool
    async with pool.acquire() as conn:
        signer, document = await _by_token(conn, request.match_info["token"])
    check_downloadable(document, utcnow(), retention_days(request.app[DEPS].settings))
    name = document["name"]
    target = DownloadTarget(document["signed_file_key"], None, download_filename(name, True), True, name)
    ctx = as_signer(request_context(request), document, signer)

    async def record(_: ObjectStream) -> None:
        await record_download(pool, ctx, document["org_id"], document["id"], target)

    return await stream_pdf(request, request.app[DEPS].storage, target.key, target.filename, before_send=record)


# --- internal: the notifier asks for a participant's link ---------------------------------------

class DownloadLink(ResponseModel):
    url: str
    availableUntil: Timestamp


class DownloadLinkResponse(ResponseModel):
    """POST /internal/signers/{signerId}/download-link."""

    data: DownloadLink


def download_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/signing/{token}/download"


async def download_link(request: web.Request) -> web.Response:
    signer_id = request.match_info["signerId"]
    if not is_plausible_id(signer_id):
        raise not_found("Signer")
    settings = request.app[DEPS].settings
    org_id = org_id_of(request)
    async with request.app[DEPS].pool.acquire() as conn, conn.transaction():
        signer = await repo.signer_by_id(conn, signer_id)
        # Scoped on the next line: the signer's document must be the caller's organisation's.
        document = (await documents_repo.find_document(conn, signer["document_id"], org_id=None)
                    if signer is not None else None)
        if signer is None or document is None or document["org_id"] != org_id:
            raise not_found("Signer")
        days = retention_days(settings)
        check_downloadable(document, utcnow(), days)
        token = tokens.signing_token(settings.require_signing_secret(), signer_id, signer["token_version"])
        digest = tokens.token_hash(token)
        # A viewer's first link: store its hash (derived, so asking again stores the same value).
        stored = signer["token_hash"]
        if stored is None:
            stored = await repo.store_first_token_hash(conn, signer_id, digest)
    if not tokens.same_hash(stored, digest):
        raise Problem(409, "The signing secret changed; this participant's link cannot be recomputed", slug="stale-signing-link")
    link = DownloadLink(url=download_url(settings.public_url, token),
                        availableUntil=available_until(document["completed_at"], days))
    return json_response(dump(DownloadLinkResponse(data=link)))


def add_signed_copy_routes(app: web.Application) -> None:
    # No implicit HEAD: a download is recorded, and a HEAD must not record one.
    app.router.add_get("/api/v1/signing/{token}/download", download, allow_head=False)
    add_internal_route(app, "POST", "/internal/signers/{signerId}/download-link", download_link, callers=("notifier",))
