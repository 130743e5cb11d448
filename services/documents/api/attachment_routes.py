"""Attachments of a document: GET and POST …/{id}/attachments, DELETE …/{id}/attachments/{attId};
and a signer's file for an attachment field, POST /api/v1/signing/{token}/fields/{fieldId}/attachment.

The upload is `multipart/form-data` with the file in the field `file` (api-attachments.txt's curl
`-F "file=@terms.pdf"`); it is streamed to a private temporary file with ATTACHMENT_MAX_BYTES as
the cap, then judged and stored by commands/attachments.py. The part's filename becomes
`fileName` (sanitised: no path, no control characters).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

from aiohttp import web

from services.documents.api import paths, signing_views, views
from services.documents.api.paths import SIGNING, D
from services.documents.commands import attachments, field_attachments
from services.documents.commands.deps import DEPS
from services.documents.domain.file_keys import safe_filename
from shared.context import org_id_of, request_context
from shared.contracts.attachments import FILE_FIELD, AttachmentListResponse, AttachmentResponse
from shared.contracts.signing import SigningAttachmentResponse
from shared.multipart import file_part, save_part
from shared.web import json_response

PATH = D + "/{id}/attachments"


async def list_attachments(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    rows = await attachments.list_attachments(request.app[DEPS].pool, org_id_of(request), document_id)
    return json_response(AttachmentListResponse(data=[views.attachment(r) for r in rows]).model_dump(mode="json"))


@contextlib.asynccontextmanager
async def _received(request: web.Request) -> AsyncIterator[attachments.Received]:
    """The request's file, streamed to a private temporary file with ATTACHMENT_MAX_BYTES as cap."""
    part = await file_part(request, FILE_FIELD, "the attachment")
    with tempfile.TemporaryDirectory(prefix="cs-attachment-") as tmp:
        upload = Path(tmp) / "upload"
        _, size = await save_part(part, upload, request.app[DEPS].settings.attachment_max_bytes, "an attachment may be")
        yield attachments.Received(upload, _file_name(part.filename), size)


async def add_attachment(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    org_id, ctx = org_id_of(request), request_context(request)
    async with _received(request) as received:
        row = await attachments.add_attachment(request.app[DEPS], org_id, ctx, document_id, received)
    return json_response(AttachmentResponse(data=views.attachment(row)).model_dump(mode="json"), status=201)


async def add_field_attachment(request: web.Request) -> web.Response:
    """The signer's file for one of their attachment fields (the signing token is the credential)."""
    field_id = paths.path_id(request, "fieldId", "Field")
    async with _received(request) as received:
        row = await field_attachments.upload(
            request.app[DEPS], request.match_info["token"], request_context(request), field_id, received
        )
    body = SigningAttachmentResponse(data=signing_views.signing_attachment(row))
    return json_response(body.model_dump(mode="json"), status=201)


def _file_name(given: str | None) -> str:
    # Some clients (aiohttp's FormData among them) percent-encode the part's filename; browsers
    # and curl send it as is. Decoded first, then sanitised like every stored name.
    return safe_filename(unquote(given or ""), "attachment.pdf")


async def remove_attachment(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    attachment_id = paths.path_id(request, "attId", "Attachment")
    org_id, ctx = org_id_of(request), request_context(request)
    await attachments.remove_attachment(request.app[DEPS], org_id, ctx, document_id, attachment_id)
    return web.Response(status=204)


def add_attachment_routes(app: web.Application) -> None:
    app.router.add_get(PATH, list_attachments)
    app.router.add_post(PATH, add_attachment)
    app.router.add_delete(PATH + "/{attId}", remove_attachment)
    app.router.add_post(SIGNING + "/fields/{fieldId}/attachment", add_field_attachment)
