"""`inspect_file`: verify an untrusted upload in a limited checker process.

The parent does what is safe on any bytes — the size from stat, the SHA-256 by streaming — and
leaves everything that interprets the content (magic bytes, PDF parsing, image decoding and
conversion) to `inspect_worker`, under memory/CPU limits and a wall-clock kill. Every way the
checker can end (reply, refusal, crash, signal, timeout, garbage on stdout) becomes an
`Inspection`; nothing the file does raises out of here.

Callers that verify many uploads at once should bound concurrency themselves (one checker is one
process with up to `memory_mb` of address space), or pass the service's pool of warm workers
(`sandbox`), which runs as many at once as it has workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import signal
import sys
from pathlib import Path

from .codes import RejectCode
from .inspection import ConvertedPdf, Inspection, WorkerReply, WorkerRequest
from .magic import IMAGE_TYPES
from .sandbox import ProcessOutcome, Sandbox, child_env, run_limited

MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 500

# The checker command; a module-level list so tests can substitute a misbehaving process.
WORKER_ARGV: list[str] = [sys.executable, "-m", "services.documents.pdf.inspect_worker"]


def sha256_file(path: Path, limit: int) -> tuple[str, int]:
    """Hex digest and byte count, reading at most `limit + 1` bytes (enough to prove "too large")."""
    digest = hashlib.sha256()
    total = 0
    with path.open("rb") as fh:
        while total <= limit and (chunk := fh.read(min(1 << 20, limit + 1 - total))):
            digest.update(chunk)
            total += len(chunk)
    return digest.hexdigest(), total


def _failure(outcome: ProcessOutcome) -> tuple[RejectCode, str]:
    """Why a checker gave no usable reply, from how it ended."""
    if outcome.timed_out or outcome.returncode == -signal.SIGXCPU:
        return RejectCode.TIMEOUT, "Checking the file took longer than allowed; it may be malformed or hostile."
    if b"MemoryError" in outcome.stderr_tail:
        return RejectCode.RESOURCE_LIMIT, "The file needs more memory to process than is allowed."
    if outcome.returncode == -signal.SIGXFSZ or outcome.stdout_overflow:
        return RejectCode.RESOURCE_LIMIT, "Checking the file produced more output than allowed."
    code = outcome.returncode
    how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
    return RejectCode.CHECKER_FAILED, f"The file could not be checked safely (the checker stopped with {how})."


async def inspect_file(
    path: Path,
    declared_type: str,
    *,
    max_bytes: int = MAX_BYTES,
    timeout_s: float = 20,
    memory_mb: int = 512,
    max_pages: int = MAX_PAGES,
    convert_to: Path | None = None,
    paper: str = "a4",
    clean_to: Path | None = None,
    sandbox: Sandbox | None = None,
) -> Inspection:
    """Verify an upload. For an image, the page facts are those of the one-page PDF it becomes,
    and with `convert_to` that PDF is written there (see `converted`). For a PDF with active
    content (see `removed`), with `clean_to` the copy without it is written there (`cleaned`).
    The checker is a warm worker of `sandbox` when given, else a process of its own."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Inspection.rejected(RejectCode.MISSING, "The uploaded file was not found.", size=0)
    if size == 0:
        return Inspection.rejected(RejectCode.EMPTY, "The file is empty.", size=0)
    if size > max_bytes:
        return Inspection.rejected(
            RejectCode.TOO_LARGE, f"The file is {size:,} bytes; at most {max_bytes:,} bytes are accepted.", size=size
        )

    request = WorkerRequest(
        path=str(path),
        declared_type=declared_type,
        max_pages=max_pages,
        memory_mb=memory_mb,
        cpu_seconds=max(1, math.ceil(timeout_s)),
        paper=paper,
        convert_to=str(convert_to) if convert_to is not None else None,
        clean_to=str(clean_to) if clean_to is not None else None,
    )
    # Hash in a thread while the checker runs: both only read the file.
    hashing = asyncio.create_task(asyncio.to_thread(sha256_file, path, max_bytes))
    try:
        if sandbox is not None:
            outcome = await sandbox.run(
                "inspect", request.to_json(), timeout_s=timeout_s, memory_mb=memory_mb, cpu_seconds=request.cpu_seconds
            )
        else:
            outcome = await run_limited([*WORKER_ARGV, request.to_json()], timeout_s=timeout_s, env=child_env())
    except BaseException:
        hashing.cancel()
        raise
    try:
        digest, hashed = await hashing
    except FileNotFoundError:
        return Inspection.rejected(RejectCode.MISSING, "The uploaded file disappeared while it was checked.", size=size)
    if hashed > max_bytes:  # the file grew after stat: judge what is there now
        return Inspection.rejected(RejectCode.TOO_LARGE, f"The file is larger than {max_bytes:,} bytes.", size=hashed)

    reply = WorkerReply.parse(outcome.stdout) if outcome.returncode == 0 else None
    if reply is None or not reply.ok:
        for written in (convert_to, clean_to):  # never leave a half-written output behind
            if written is not None:
                written.unlink(missing_ok=True)
    if reply is None:
        code, message = _failure(outcome)
        return Inspection.rejected(code, message, size=hashed, sha256=digest)
    if not reply.ok:
        assert reply.code is not None and reply.message is not None
        return Inspection.rejected(
            RejectCode(reply.code), reply.message, size=hashed, sha256=digest, detected_type=reply.detected_type
        )

    converted = None
    if convert_to is not None and reply.detected_type in IMAGE_TYPES:
        pdf_digest, pdf_size = await asyncio.to_thread(sha256_file, convert_to, 1 << 40)
        converted = ConvertedPdf(convert_to, pdf_size, pdf_digest)
    cleaned = None
    if clean_to is not None and reply.removed:
        try:
            clean_digest, clean_size = await asyncio.to_thread(sha256_file, clean_to, 1 << 40)
        except FileNotFoundError:  # it said it removed something but wrote nothing: not believed
            return Inspection.rejected(
                RejectCode.CHECKER_FAILED,
                "The checker did not write the cleaned PDF.",
                size=hashed,
                sha256=digest,
                detected_type=reply.detected_type,
            )
        cleaned = ConvertedPdf(clean_to, clean_size, clean_digest)
    return Inspection(
        ok=True,
        reason=None,
        detected_type=reply.detected_type,
        size=hashed,
        sha256=digest,
        page_count=reply.page_count,
        page_sizes=tuple(reply.page_sizes),
        converted=converted,
        removed=tuple(reply.removed),
        cleaned=cleaned,
    )
