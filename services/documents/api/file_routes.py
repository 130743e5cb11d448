"""HTTP handlers of the file endpoints: POST …/{id}/upload and GET …/{id}/download.

`add_file_routes(app)` registers them, the S3 client (`storage_ctx` → app[STORAGE]) and the
per-process upload checker (files.CHECKER). Cleanup contexts added after it can use app[STORAGE].
"""

from __future__ import annotations

from aiohttp import web

from services.documents.adapters.storage import STORAGE, ObjectStream, storage_ctx
from services.documents.api.file_schemas import UploadHeaders, UploadInstructions, UploadRequest, UploadResponse
from services.documents.api.paths import D, document_id as _document_id
from services.documents.commands import file_download, files
from services.documents.commands.file_check import Checker
from shared.context import org_id_of, request_context
from shared.db import POOL
from shared.service import SETTINGS
from shared.web import json_response, read_model


async def request_upload(request: web.Request) -> web.Response:
    document_id = _document_id(request)
    org_id, ctx = org_id_of(request), request_context(request)
    body = await read_model(request, UploadRequest)
    grant = await files.request_upload(request.app, request.app[POOL], org_id, ctx, document_id,
                                       filename=body.filename, content_type=body.contentType, file_size=body.fileSize)
    instructions = UploadInstructions(uploadUrl=grant.url, fileKey=grant.file_key, expiresIn=grant.expires_in,
                                      headers=UploadHeaders.model_validate(grant.headers))
    return json_response(UploadResponse(data=instructions).dump())


async def download(request: web.Request) -> web.StreamResponse:
    document_id = _document_id(request)
    org_id, ctx = org_id_of(request), request_context(request)
    pool = request.app[POOL]
    target = await file_download.resolve_download(request.app, pool, org_id, document_id)

    async def record(_: ObjectStream) -> None:
        await file_download.record_download(pool, ctx, org_id, document_id, target)

    return await file_download.stream_pdf(request, request.app[STORAGE], target.key, target.filename,
                                          if_match=target.etag, before_send=record)


def add_file_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(storage_ctx(app[SETTINGS]))
    app[files.CHECKER] = Checker()
    app.router.add_post(D + "/{id}/upload", request_upload)
    # No implicit HEAD: a download is an audited event, and a HEAD must not record one.
    app.router.add_get(D + "/{id}/download", download, allow_head=False)
