"""Building the signed PDF (values and certificate; pdf.build_signed_pdf) in a warm sandbox worker.

Why not in the service process, where it ran in a thread: each build of a 100-page, 10 MB document
left the documents service about 35 MB larger (123 → 245 MB RSS after five builds, issue 12):
pypdf's object graph and reportlab's buffers fragment a heap that lives as long as the service.
In a worker, that memory goes when the worker is recycled (sandbox_worker.py: after any job that
left it 64 MB larger than it started). The original is a stranger's file too: the build now runs
under the sandbox's memory and CPU limits and a wall clock.

Only a file comes back: the parent sends the inputs (the stamps and the certificate, as a
pickle — the parent is trusted by the worker, never the other way round) and the paths; the
worker writes the PDF to `out` and replies one JSON object. The service then seals it from file
to file and uploads the file (workers/completion.py): no whole document in its memory. The seal is applied afterwards in the
service (commands/sealing.py): the organisation's key never enters a process that opens
strangers' files.
"""

from __future__ import annotations

import asyncio
import json
import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.documents.pdf.models import Certificate, StampField
from services.documents.pdf.sandbox import Sandbox


class BuildFailed(Exception):
    """The worker gave no usable answer: a crash, a limit, a timeout (the message says which)."""


@dataclass(frozen=True, slots=True)
class SandboxBuilder:
    sandbox: Sandbox
    timeout_s: float
    memory_mb: int

    async def __call__(self, original: Path, stamps: Sequence[StampField], certificate: Certificate, out: Path) -> None:
        """build_signed_pdf's PDF written to `out`: raises ValueError for inputs that do not fit
        the document, BuildFailed when the worker did not finish."""
        inputs = original.with_suffix(".inputs")
        await asyncio.to_thread(inputs.write_bytes, pickle.dumps((list(stamps), certificate)))
        request = json.dumps({"pdf_path": str(original), "inputs_path": str(inputs), "out_path": str(out)})
        outcome = await self.sandbox.run(
            "build",
            request,
            timeout_s=self.timeout_s,
            memory_mb=self.memory_mb,
            cpu_seconds=max(1, math.ceil(self.timeout_s)),
            reply_cap=4096,
        )
        reply = _parse(outcome.stdout) if outcome.returncode == 0 else None
        if reply is None:
            how = "timed out" if outcome.timed_out else f"ended with status {outcome.returncode}"
            raise BuildFailed(f"the builder {how}: {outcome.stderr_tail[-300:].decode(errors='replace').strip()}")
        ok, message = reply
        if not ok:
            raise ValueError(message)
        if not out.is_file():
            raise BuildFailed("the builder reported a PDF but wrote none")


def _parse(raw: bytes) -> tuple[bool, str] | None:
    try:
        data = json.loads(raw)
        ok, message = data["ok"], data.get("message", "")
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(ok, bool) or not isinstance(message, str):
        return None
    return ok, message
