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

from aiohttp import web

from services.documents.adapters.storage import ObjectStream
from services.documents.api.paths import path_id
from services.documents.api.pdf_stream import stream_pdf
from services.documents.api.views import dump
from services.documents.commands import signed_copy
from services.documents.commands.deps import DEPS
from services.documents.commands.file_download import record_download
from services.documents.commands.lifecycle_events import as_signer
from shared.callers import add_internal_route
from shared.context import org_id_of, request_context
from shared.contracts.common import ResponseModel, Timestamp
from shared.web import json_response


async def download(request: web.Request) -> web.StreamResponse:
    deps = request.app[DEPS]
    signer, document, target = await signed_copy.copy_for(deps, request.match_info["token"])
    ctx = as_signer(request_context(request), document, signer)

    async def record(_: ObjectStream) -> None:
        await record_download(deps.pool, ctx, document["org_id"], document["id"], target)

    return await stream_pdf(request, deps.storage, target.key, target.filename, before_send=record)


# --- internal: the notifier asks for a participant's link ---------------------------------------


class DownloadLink(ResponseModel):
    url: str
    availableUntil: Timestamp


class DownloadLinkResponse(ResponseModel):
    """POST /internal/signers/{signerId}/download-link."""

    data: DownloadLink


async def download_link(request: web.Request) -> web.Response:
    signer_id = path_id(request, "signerId", "Signer")
    link = await signed_copy.copy_link(request.app[DEPS], org_id_of(request), signer_id)
    return json_response(
        dump(DownloadLinkResponse(data=DownloadLink(url=link.url, availableUntil=link.available_until)))
    )


def add_signed_copy_routes(app: web.Application) -> None:
    # No implicit HEAD: a download is recorded, and a HEAD must not record one.
    app.router.add_get("/api/v1/signing/{token}/download", download, allow_head=False)
    add_internal_route(app, "POST", "/internal/signers/{signerId}/download-link", download_link, callers=("notifier",))
