"""POST /documents: a draft with its file, through the core's own upload and verification.

The file comes from `file_path` (read only inside the import directory: importfile.py) or, as a
convenience, from a multipart upload (`file` part). Either way the bytes take the path every
upload takes: the core issues a presigned URL, the gateway PUTs the bytes there, and the core
verifies the upload (type by magic bytes, PDF parse, page count, SHA-256) — there is no second
verifier here. A file the core rejects leaves no document behind: the draft is deleted again
and the answer is 400 `invalid_file` with the core's reason.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, web

from services.gateway.keys import HTTP
from services.gateway.wpsigner import core, errors, shapes
from services.gateway.wpsigner.confine import PathRefused
from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.importfile import FileTooLarge, ImportedFile, open_confined
from services.gateway.wpsigner.middleware import CONFIG
from services.gateway.wpsigner.params import CreateParams, body_kind, read_params, validate
from services.gateway.wpsigner.translate import DOCUMENT_PARAMS, UPLOAD_PARAMS, error_map
from shared.contracts.wpsigner import DocumentDetail
from shared.web import json_response

log = logging.getLogger("countersign.gateway.wpsigner.creation")

CHUNK = 256 * 1024
MAX_TEXT_PART = 64 * 1024
_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def content_type_for(*names: str) -> str:
    """The type declared to the core, from the first name with a known extension (PDF by
    default); the core checks it against the file's magic bytes."""
    for name in names:
        known = _TYPES.get(PurePosixPath(name.lower()).suffix)
        if known:
            return known
    return "application/pdf"


def too_large(limit: int) -> WpError:
    return WpError(413, "file_too_large", f"The file is larger than the {limit // (1024 * 1024)} MB limit.")


async def _text_part(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > MAX_TEXT_PART:
            raise errors.invalid_params({part.name or "body": f"{part.name} is too long."})
    return data.decode("utf-8", errors="replace")


async def _file_part(part: BodyPartReader, limit: int) -> ImportedFile:
    # Spooled to a temporary file: the gateway's body limit is for JSON, not documents, and the
    # bytes must be re-sent with an exact length to the presigned URL.
    spool = tempfile.TemporaryFile()
    try:
        size = 0
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return ImportedFile(spool, size, part.filename or "document.pdf")  # type: ignore[arg-type]


async def read_multipart(request: web.Request, limit: int) -> tuple[dict[str, Any], ImportedFile | None]:
    params: dict[str, Any] = {key: request.query[key] for key in request.query}
    upload: ImportedFile | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise WpError(400, "rest_invalid_param", "Nested multipart bodies are not supported.")
            if part.name == "file":
                if upload is not None:
                    raise WpError(400, "rest_invalid_param", "Send one file per document.")
                upload = await _file_part(part, limit)
            elif part.name:
                params[part.name] = await _text_part(part)
    except BaseException:
        if upload is not None:
            upload.close()
        raise
    return params, upload


async def open_import(request: web.Request, file_path: str | None) -> ImportedFile:
    if file_path is None:
        raise errors.missing_params(["file_path"])
    config = request.app[CONFIG]
    try:
        return await asyncio.to_thread(open_confined, config.import_root, file_path, config.max_file_bytes)
    except PathRefused as refused:
        raise WpError(400, "invalid_file_path", str(refused), params={"file_path": str(refused)}) from None
    except FileTooLarge as big:
        raise too_large(big.limit) from None


async def put_object(request: web.Request, instructions: dict[str, Any], source: ImportedFile) -> None:
    try:
        async with request.app[HTTP].put(
            instructions["uploadUrl"], data=source.handle, headers=dict(instructions["headers"])
        ) as resp:
            if resp.status < 300:
                return
            log.warning("storage refused the upload of a WPsigner document: %s", resp.status)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        log.warning("storage unreachable for a WPsigner upload: %r", exc)
    raise WpError(502, "upload_failed", "The file could not be stored; try again shortly.")


async def discard(request: web.Request, document_id: str) -> None:
    """Undo a half-made document (its file failed); best effort, logged when it fails."""
    try:
        answer = await core.call(request, "documents", "DELETE", f"{core.WP_DOCS}/{document_id}")
        if answer.status != 204:
            log.warning("could not discard draft %s: %s", document_id, answer.status)
    except WpError:
        log.warning("could not discard draft %s: documents service unavailable", document_id)


async def _with_file(request: web.Request, title: str, filename: str, source: ImportedFile) -> DocumentDetail:
    created = await core.expect(
        request, "documents", "POST", "/api/v1/documents", json={"name": title}, error=error_map(DOCUMENT_PARAMS)
    )
    document_id = created["data"]["id"]
    try:
        upload = await core.expect(
            request,
            "documents",
            "POST",
            f"/api/v1/documents/{document_id}/upload",
            error=error_map(UPLOAD_PARAMS),
            json={
                "filename": filename,
                "contentType": content_type_for(filename, source.name),
                "fileSize": source.size,
            },
        )
        await put_object(request, upload["data"], source)
        # The core verifies an arrived upload when the document is read: this read is the trigger.
        detail = await core.detail(request, document_id, check_owner=False)
        if detail.fileStatus == "rejected":
            raise WpError(
                400,
                "invalid_file",
                f"The file was rejected: {detail.fileError} ({detail.fileErrorCode}).",
                reason=detail.fileErrorCode,
            )
        if detail.fileStatus != "verified":
            raise WpError(503, "file_not_verified", "The file could not be verified; try again shortly.")
    except BaseException:
        await asyncio.shield(discard(request, document_id))
        raise
    return detail


async def create_document(request: web.Request) -> web.Response:
    limit = request.app[CONFIG].max_file_bytes
    if body_kind(request) == "multipart":
        params, upload = await read_multipart(request, limit)
    else:
        params, upload = await read_params(request), None
    source: ImportedFile | None = upload
    try:
        body = validate(CreateParams, params)
        if upload is not None and body.file_path is not None:
            raise WpError(400, "rest_invalid_param", "Send either a file or file_path, not both.")
        if source is None:
            source = await open_import(request, body.file_path)
        if source.size == 0:
            raise WpError(400, "invalid_file", "The file is empty.")
        detail = await _with_file(request, body.title, body.original_filename or source.name, source)
    finally:
        if source is not None:
            source.close()
    return json_response(shapes.document(detail), status=201)
