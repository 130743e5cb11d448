"""An organisation's logo checked and rebuilt for the gateway (POST /internal/logos/check, for
PUT /api/v1/org/logo): the gateway stores and serves it, this service only judges the file.

The decoding runs in a warm worker of the sandbox pool as the `logo` job, as every stranger's
file does (in a worker thread when the service runs without a pool, SANDBOX_POOL_SIZE=0). A
hostile file that kills its worker or passes a limit is refused as `logo-invalid`: it costs that
one job, never the service nor the next upload.
"""

from __future__ import annotations

import asyncio
import base64

from services.documents.adapters.image_jobs import run_image_job
from services.documents.adapters.sandbox_pool import SandboxPool
from services.documents.pdf.logo_image import LogoRefused, prepare_logo
from shared.settings import Settings


async def prepare(sandbox: SandboxPool | None, settings: Settings, data: bytes) -> bytes:
    """The logo as a PNG of at most 600 x 200, or LogoRefused (its code and message)."""
    if sandbox is None:
        return await asyncio.to_thread(prepare_logo, data)
    reply = await run_image_job(sandbox, settings, "logo", data)
    if reply is None:
        raise LogoRefused("logo-invalid", "The image could not be processed; try another one.")
    if not reply.get("ok"):
        raise LogoRefused(str(reply["code"]), str(reply["message"]))
    return base64.b64decode(reply["png"])
