"""POST /api/v1/verify: anyone may ask what a PDF is (no API key; the gateway rate-limits per IP).

The upload is streamed to a private temporary file with a byte cap (the app-wide body limit is
for JSON and is far smaller than a signed PDF), hashed on the way, then judged by
commands/verification.py. Checkers run at most VERIFY_CONCURRENCY at a time per process: each is
a process with hundreds of MB of address space.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from services.documents.api.verify_views import verify_result
from services.documents.commands.deps import DEPS
from services.documents.commands.verification import UploadedFile, verify_file
from shared.contracts.verify import FORM_FIELD, VERIFY_PATH
from shared.multipart import file_part, save_part
from shared.service import SETTINGS
from shared.web import json_response

VERIFY_CONCURRENCY = 2
_SLOTS: web.AppKey[asyncio.Semaphore] = web.AppKey("verify_slots", asyncio.Semaphore)


async def verify(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    part = await file_part(request, FORM_FIELD, "the PDF")
    with tempfile.TemporaryDirectory(prefix="cs-verify-") as tmp:
        upload, ca_pem = Path(tmp) / "upload.pdf", Path(tmp) / "ca.pem"
        sha256, size = await save_part(part, upload, settings.verify_max_bytes, "this endpoint checks")
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
