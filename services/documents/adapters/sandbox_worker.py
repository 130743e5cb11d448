"""Sandbox worker: `python -m services.documents.adapters.sandbox_worker MEMORY_MB`.

One warm process of the sandbox pool (sandbox_pool.py): it imports the PDF and image libraries
once, then runs jobs on strangers' files one at a time — the work the one-shot processes
(pdf/inspect_worker.py, page_render_worker.py, sealing/seal_worker.py) do, with the same job functions and limits:

- address space: RLIMIT_AS, hard at MEMORY_MB for the worker's whole life, the soft limit lowered
  to a job's own `memory_mb` while it runs (a soft limit may be raised back; the file cannot run
  code to do so);
- CPU: RLIMIT_CPU counts the process's whole life, so each job's soft limit is the CPU used so
  far plus its `cpu_seconds` (SIGXCPU ends the worker; the parent reports a timeout);
- output files and core dumps: as the one-shot processes, once for all jobs;
- the wall clock is the parent's: it kills the worker's process group.

A job that raises (a MemoryError the job did not turn into a reply, a parser bug) ends the
worker with the traceback on stderr, as a one-shot process would end; so does anything that
leaves it in doubt. A job that came near a limit, or left the worker holding much more memory
than it started with, asks to be recycled (the parent replaces the worker after the reply).

Protocol, on stdin and the original stdout (fd 1 is redirected to stderr first, so library noise
cannot corrupt a frame):

    parent → worker   4-byte big-endian length, then JSON {"kind", "request", "memory_mb", "cpu_seconds"}
    worker → parent   4-byte big-endian length, 1 byte of flags (1 = recycle me), then the reply
                      (the JSON the one-shot process prints); an empty reply first, once warm
"""

from __future__ import annotations

import base64
import json
import math
import os
import pickle
import resource
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pypdfium2  # noqa: F401 - imported once, warm, instead of in every render
from PIL import Image

from services.documents.adapters.page_render_worker import RenderRequest, render
from services.documents.pdf.analysis import analyse
from services.documents.pdf.codes import RejectCode
from services.documents.pdf.inspect_worker import apply_output_limits, lower_limit
from services.documents.pdf.inspection import WorkerRequest
from services.documents.pdf.sandbox import HEADER, LENGTH, RECYCLE
from services.documents.pdf.signed import build_signed_pdf

# A worker holding this much more resident memory than when it was warm is recycled after its
# job: what a large file left in Python's and the libraries' heaps goes with the process.
RECYCLE_GROWTH_BYTES = 64 * 1024 * 1024
# Rejections that mean a limit was reached: the worker's heap may be fragmented or full.
_LIMIT_CODES = frozenset({RejectCode.RESOURCE_LIMIT.value, RejectCode.TIMEOUT.value})


def _inspect(request: str) -> tuple[str, bool]:
    reply = analyse(WorkerRequest.from_json(request))
    return reply.to_json(), not reply.ok and reply.code in _LIMIT_CODES


def _render(request: str) -> tuple[str, bool]:
    return render(RenderRequest.from_json(request)).to_json(), False


def _seal(request: str) -> tuple[str, bool]:
    """A seal check for the public verification (adapters/sealing/): pyHanko is imported on the
    first one, under that job's limits, and stays warm for the next."""
    from services.documents.adapters.sealing.seal_worker import check

    paths = json.loads(request)
    report = check(Path(paths["path"]).read_bytes(), Path(paths["ca_pem_path"]).read_bytes())
    return report.to_json(), False


def _signature(request: str) -> tuple[str, bool]:
    """A signature uploaded as a picture (pdf/signature_upload.py): the cleaned PNG, or why not."""
    from services.documents.pdf.signature_upload import SignatureImageRefused, prepare_signature

    job = json.loads(request)
    try:
        png = prepare_signature(Path(job["path"]).read_bytes(), float(job["width"]), float(job["height"]))
    except SignatureImageRefused as exc:
        return json.dumps({"ok": False, "code": exc.code, "message": exc.message}), False
    return json.dumps({"ok": True, "png": base64.b64encode(png).decode("ascii")}), False


def _logo(request: str) -> tuple[str, bool]:
    """An organisation's logo (pdf/logo_image.py), for the gateway: the rebuilt PNG, or why not."""
    from services.documents.pdf.logo_image import LogoRefused, prepare_logo

    job = json.loads(request)
    try:
        png = prepare_logo(Path(job["path"]).read_bytes())
    except LogoRefused as exc:
        return json.dumps({"ok": False, "code": exc.code, "message": exc.message}), False
    return json.dumps({"ok": True, "png": base64.b64encode(png).decode("ascii")}), False


def _build(request: str) -> tuple[str, bool]:
    """The signed PDF (adapters/signed_build.py): the inputs come pickled from the service, which
    is trusted here; nothing travels back but the file and a JSON reply, never a pickle."""
    paths = json.loads(request)
    stamps, certificate = pickle.loads(Path(paths["inputs_path"]).read_bytes())
    try:
        pdf = build_signed_pdf(Path(paths["pdf_path"]), stamps, certificate)
    except ValueError as exc:
        return json.dumps({"ok": False, "message": str(exc)[:500]}), False
    Path(paths["out_path"]).write_bytes(pdf)
    return json.dumps({"ok": True}), False


# What a job's `kind` names: a function from the request to (the reply, whether a limit was reached).
JOBS: dict[str, Callable[[str], tuple[str, bool]]] = {
    "inspect": _inspect,
    "render": _render,
    "build": _build,
    "seal": _seal,
    "signature": _signature,
    "logo": _logo,
}


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _reply(out: BinaryIO, reply: bytes, flags: int = 0) -> None:
    out.write(HEADER.pack(len(reply), flags) + reply)
    out.flush()


def run_job(job: dict[str, object], hard_memory: int) -> tuple[str, bool]:
    """One job under its own limits; the worker's limits are restored afterwards."""
    handler = JOBS[str(job["kind"])]
    memory = min(int(job["memory_mb"]) * 1024 * 1024, hard_memory)  # type: ignore[call-overload]
    cpu = math.ceil(_cpu_used()) + int(job["cpu_seconds"])  # type: ignore[call-overload]
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    if cpu_hard != resource.RLIM_INFINITY:
        cpu = min(cpu, cpu_hard)
    pixels = Image.MAX_IMAGE_PIXELS  # the checker sets Pillow's global guard for uploads
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard_memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_hard))
    try:
        return handler(str(job["request"]))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard_memory, hard_memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_hard, cpu_hard))
        Image.MAX_IMAGE_PIXELS = pixels


def main(argv: list[str]) -> int:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = os.fdopen(0, "rb")
    memory = int(argv[1]) * 1024 * 1024
    lower_limit(resource.RLIMIT_AS, memory, memory)
    hard_memory = resource.getrlimit(resource.RLIMIT_AS)[1]
    apply_output_limits()
    warm = _rss()
    _reply(out, b"")  # ready: imported, limited
    while (head := _read_exactly(requests, LENGTH.size)) is not None:
        body = _read_exactly(requests, LENGTH.unpack(head)[0])
        if body is None:
            return 0
        try:
            reply, breached = run_job(json.loads(body), hard_memory)
        except BaseException as exc:  # the worker's state is in doubt: end as a one-shot process would
            # Let go of what the job held (a MemoryError's hoard) so that printing has room.
            traceback.clear_frames(exc.__traceback__)
            traceback.print_exception(exc)
            sys.stderr.flush()
            return 1
        recycle = breached or _rss() - warm > RECYCLE_GROWTH_BYTES
        _reply(out, reply.encode(), RECYCLE if recycle else 0)
    return 0  # the parent closed our stdin: the pool is shutting down


if __name__ == "__main__":
    sys.exit(main(sys.argv))
