"""POST /api/v1/verify: anyone may ask what a PDF is (no API key; the gateway rate-limits per IP).

The upload is streamed to a private temporary file with a byte cap (the app-wide body limit is
for JSON and is far smaller than a signed PDF), hashed on the way, then judged by
commands/verification.py. Checkers run at most VERIFY_CONCURRENCY at a time per process: each is
a process with hundreds of MB of address space.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import BodyPartReader, web

from services.documents.api.multipart import MALFORMED_MULTIPART, malformed_multipart
from services.documents.api.verify_views import verify_result
from services.documents.commands.deps import DEPS
from services.documents.commands.verification import UploadedFile, verify_file
from shared.contracts.verify import FORM_FIELD, MULTIPART, VERIFY_PATH
from shared.problems import FieldError, Problem
from shared.service import SETTINGS
from shared.web import json_response

VERIFY_CONCURRENCY = 2
_SLOTS: web.AppKey[asyncio.Semaphore] = web.AppKey("verify_slots", asyncio.Semaphore)


def _missing_file() -> Problem:
    return Problem(422, "Send the PDF in the form field `file`", errors=[FieldError(FORM_FIELD, "Required")])


async def _file_part(request: web.Request) -> BodyPartReader:
    if request.content_type != MULTIPART:
        raise Problem(415, "Send the PDF as multipart/form-data, in the form field `file`", slug="multipart-required")
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == FORM_FIELD:
                return part
            await part.release()
    except MALFORMED_MULTIPART:
        raise malformed_multipart() from None
    raise _missing_file()


async def _save(part: BodyPartReader, target: Path, max_bytes: int) -> tuple[str, int]:
    """Stream the part to `target`; (SHA-256 hex, size). 413 past `max_bytes`."""
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := await part.read_chunk(256 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise Problem(413, f"The file is larger than {max_bytes:,} bytes, the most this endpoint checks")
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise Problem(422, "The file is empty", errors=[FieldError(FORM_FIELD, "The file is empty")])
    return digest.hexdigest(), size


async def verify(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    part = await _file_part(request)
    with tempfile.TemporaryDirectory(prefix="cs-verify-") as tmp:
        upload, ca_pem = Path(tmp) / "upload.pdf", Path(tmp) / "ca.pem"
        sha256, size = await _save(part, upload, settings.verify_max_bytes)
        # The platform CA is the checker's only trust root.
        ca_pem.write_bytes(request.app[DEPS].sealer.authority.cert_pem)
        async with request.app[_SLOTS]:
            verification = await verify_file(request.app[DEPS], UploadedFile(upload, sha256, size), ca_pem)
    return json_response(verify_result(verification).model_dump(mode="json"))


async def _slots_ctx(app: web.Application) -> AsyncIterator[None]:
    app[_SLOTS] = asyncio.Semaphore(VERIFY_CONCURRENCY)
    yield


def add_verify_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_slots_ctx)
    app.router.add_post(VERIFY_PATH, verify)
