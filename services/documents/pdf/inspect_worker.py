"""Checker process: `python -m services.documents.pdf.inspect_worker '<WorkerRequest JSON>'`.

Started by `verify.inspect_file`, one process per upload, when no pool of warm workers runs it
(adapters/sandbox_worker.py runs the same `analyse` under the same limits). It caps its own
address space, CPU time, output file size and core dumps *before* reading the file, so whatever
the file makes the parser do ends in an exception here, a signal, or the parent's kill — never
in the service process.

The reply is one JSON line on the original stdout. Everything else (stray prints, library noise)
is redirected to stderr first, so no library can corrupt the reply by printing.
"""

from __future__ import annotations

import os
import resource
import signal
import sys

from .inspection import WorkerReply, WorkerRequest

# The converted PDF of an image is a few MB at most; this bounds what a runaway writer can fill.
MAX_OUTPUT_FILE = 128 * 1024 * 1024


def lower_limit(kind: int, soft: int, hard: int) -> None:
    """Set a limit, never above one already imposed on us (raising a hard limit is refused)."""
    _, current_hard = resource.getrlimit(kind)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def apply_output_limits() -> None:
    """No core dumps, and output files of at most MAX_OUTPUT_FILE: limits that hold per write,
    so a pooled worker (adapters/sandbox_worker.py) sets them once for all its jobs."""
    lower_limit(resource.RLIMIT_CORE, 0, 0)
    lower_limit(resource.RLIMIT_FSIZE, MAX_OUTPUT_FILE, MAX_OUTPUT_FILE)
    # Past the file size limit, fail the write (a clean reply) instead of dying of SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def apply_limits(memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    lower_limit(resource.RLIMIT_AS, memory, memory)
    # Soft limit sends SIGXCPU (the parent reports a timeout); the hard limit a second later is SIGKILL.
    lower_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    apply_output_limits()


def main(argv: list[str]) -> int:
    reply_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    request = WorkerRequest.from_json(argv[1])
    apply_limits(request.memory_mb, request.cpu_seconds)

    from .analysis import analyse  # after the limits: parser imports and state count against them

    reply: WorkerReply = analyse(request)
    reply_stream.write(reply.to_json() + "\n")
    reply_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
