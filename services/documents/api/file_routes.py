"""HTTP handlers of the file endpoints: POST …/{id}/upload and GET …/{id}/download.

`add_file_routes(app)` registers the routes only; the S3 client and the upload checker they use
come with app[DEPS] (wired in app.py).
"""

from __future__ import annotations

from aiohttp import web

from services.documents.adapters.storage import ObjectStream
from services.documents.api.paths import D
from services.documents.api.paths import document_id as _document_id
from services.documents.api.pdf_stream import stream_pdf
from services.documents.commands import file_download, files
from services.documents.commands.deps import DEPS
from shared.context import org_id_of, request_context
from shared.contracts.files import UploadHeaders, UploadInstructions, UploadRequest, UploadResponse
from shared.web import json_response, read_model


async def request_upload(request: web.Request) -> web.Response:
    document_id = _document_id(request)
    org_id, ctx = org_id_of(request), request_context(request)
    body = await read_model(request, UploadRequest)
    grant = await files.request_upload(
        request.app[DEPS],
        org_id,
        ctx,
        document_id,
        filename=body.filename,
        content_type=body.contentType,
        file_size=body.fileSize,
    )
    return upload_answer(grant)


def upload_answer(grant: files.UploadGrant) -> web.Response:
    """Where and how to PUT the file (a document's or a template's)."""
    instructions = UploadInstructions(
        uploadUrl=grant.url,
        fileKey=grant.file_key,
        expiresIn=grant.expires_in,
        headers=UploadHeaders.model_validate(grant.headers),
    )
    return json_response(UploadResponse(data=instructions).dump())


async def download(request: web.Request) -> web.StreamResponse:
    document_id = _document_id(request)
    org_id, ctx = org_id_of(request), request_context(request)
    deps = request.app[DEPS]
    target = await file_download.resolve_download(deps, org_id, document_id)

    async def record(_: ObjectStream) -> None:
        await file_download.record_download(deps.pool, ctx, org_id, document_id, target)

    return await stream_pdf(
        request, deps.storage, target.key, target.filename, if_match=target.etag, before_send=record
    )


def add_file_routes(app: web.Application) -> None:
    app.router.add_post(D + "/{id}/upload", request_upload)
    # No implicit HEAD: a download is an audited event, and a HEAD must not record one.
    app.router.add_get(D + "/{id}/download", download, allow_head=False)
