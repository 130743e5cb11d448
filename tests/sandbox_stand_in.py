"""A sandbox worker with extra job kinds that misbehave on purpose: the real worker loop
(services/documents/adapters/sandbox_worker.py: its limits, framing and recycling), started by
tests/integration/test_sandbox_pool.py as `python -m tests.sandbox_stand_in MEMORY_MB`."""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time

from services.documents.adapters import sandbox_worker


def _whoami(request: str) -> tuple[str, bool]:
    """This worker's pid, after `request` seconds (a job that takes a while)."""
    time.sleep(float(request or 0))
    return json.dumps({"pid": os.getpid()}), False


def _limits(_: str) -> tuple[str, bool]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return json.dumps(
        {
            "as": resource.getrlimit(resource.RLIMIT_AS),
            "cpu": resource.getrlimit(resource.RLIMIT_CPU),
            "cpu_used": usage.ru_utime + usage.ru_stime,
            "core": resource.getrlimit(resource.RLIMIT_CORE),
            "env": sorted(os.environ),
        }
    ), False


def _hang(_: str) -> tuple[str, bool]:
    time.sleep(600)
    raise AssertionError("unreachable")


def _spin(_: str) -> tuple[str, bool]:
    while True:
        pass


def _crash(_: str) -> tuple[str, bool]:
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable")


def _hog(_: str) -> tuple[str, bool]:
    hoard = [bytearray(1 << 20) for _ in range(100_000)]  # 100 GB: MemoryError long before
    return str(len(hoard)), False


def _grow(_: str) -> tuple[str, bool]:
    """Keeps 100 MB after its reply: the worker must ask to be recycled."""
    _kept.append(bytearray(b"x" * (100 << 20)))
    return json.dumps({"pid": os.getpid()}), False


_kept: list[bytearray] = []

sandbox_worker.JOBS.update(
    {"whoami": _whoami, "limits": _limits, "hang": _hang, "spin": _spin, "crash": _crash, "hog": _hog, "grow": _grow}
)

if __name__ == "__main__":
    sys.exit(sandbox_worker.main(sys.argv))
