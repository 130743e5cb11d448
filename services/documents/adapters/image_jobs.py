"""A stranger's picture decoded in a warm worker of the sandbox pool (sandbox_worker.py): the
signature a signer uploads (`signature`) and an organisation's logo (`logo`).

    reply = await run_image_job(pool, settings, "logo", data, **job)   # the job's JSON reply, or None

The bytes go to a private temporary file that the job reads (not through the pipe: a frame stays
small), under the upload checker's limits (PDF_PARSE_TIMEOUT_SECONDS, PDF_PARSE_MEMORY_MB). None
means the job gave no reply: the worker died on the image, passed a limit or said something
unreadable. That costs the job, which its caller refuses, never the service (docs/security.md).
"""

from __future__ import annotations

import asyncio
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from services.documents.adapters.sandbox_pool import SandboxPool
from shared.settings import Settings

REPLY_CAP = 2 << 20  # a cleaned PNG as base64, well past what either job writes


async def run_image_job(
    sandbox: SandboxPool, settings: Settings, kind: str, data: bytes, **job: Any
) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix=f"countersign-{kind}-") as workdir:
        path = Path(workdir) / "upload"
        await asyncio.to_thread(path.write_bytes, data)
        outcome = await sandbox.run(
            kind,
            json.dumps({"path": str(path), **job}),
            timeout_s=settings.pdf_parse_timeout_seconds,
            memory_mb=settings.pdf_parse_memory_mb,
            cpu_seconds=max(1, math.ceil(settings.pdf_parse_timeout_seconds)),
            reply_cap=REPLY_CAP,
        )
    if outcome.returncode != 0 or outcome.stdout_overflow:
        return None
    try:
        reply = json.loads(outcome.stdout)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None
