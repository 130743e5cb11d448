"""Run a child process with a wall-clock limit, bounded output, and a guaranteed kill.

Two ways to run a job on a stranger's file, with the same limits and the same `ProcessOutcome`:
`run_limited` starts one process per job (the reference, and what runs without a pool), and a
`Sandbox` (the documents service's pool of warm workers, adapters/sandbox_pool.py) runs it in a
pre-started worker. Callers here take an optional `Sandbox` and fall back to `run_limited`.

The child gets its own session (so its process group is its own and holds anything it spawns),
no stdin, and pipes that are drained concurrently — a child that writes more than the pipe
buffer would otherwise block forever, and one that writes gigabytes must not fill our memory, so
only the first `stdout_cap` and last `stderr_cap` bytes are kept. On timeout, on cancellation of
the caller and after every normal exit, the whole group gets SIGKILL and the child is reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# After the child exits, how long stragglers holding its pipes may keep us reading.
_DRAIN_GRACE_S = 2.0
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def child_env() -> dict[str, str]:
    """Only what Python needs: a process that opens a stranger's file gets none of our secrets
    (INTERNAL_SECRET, SIGNING_SECRET, database and S3 credentials live in os.environ)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # The child starts this checkout's code whether or not the project is pip-installed.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        # No .pyc writes from a process that may be killed mid-write, and no buffered reply lost.
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "LC_ALL": "C.UTF-8",
    }


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    returncode: int | None  # None when killed on timeout; negative is the signal number
    stdout: bytes  # first stdout_cap bytes
    stderr_tail: bytes  # last stderr_cap bytes
    timed_out: bool
    stdout_overflow: bool  # the child wrote more than stdout_cap


# The pool's frames (adapters/sandbox_worker.py describes the protocol): a request is a length
# and JSON; a reply a length, flags and the job's reply.
LENGTH = struct.Struct(">I")
HEADER = struct.Struct(">IB")
RECYCLE = 1  # reply flag: the worker asks to be replaced after this job


class Sandbox(Protocol):
    """Runs one job of `kind` (a worker's job table names them) on its JSON `request`, under
    `memory_mb` of address space, `cpu_seconds` of CPU and a `timeout_s` wall clock. The outcome
    reads like a process's: returncode 0 and the reply as stdout, or how the worker ended."""

    async def run(
        self, kind: str, request: str, *, timeout_s: float, memory_mb: int, cpu_seconds: int, reply_cap: int = ...
    ) -> ProcessOutcome: ...


async def _read_head(stream: asyncio.StreamReader, cap: int) -> tuple[bytes, bool]:
    kept = bytearray()
    overflow = False
    while chunk := await stream.read(65536):
        room = cap - len(kept)
        if len(chunk) > room:
            overflow = True
        kept += chunk[: max(room, 0)]
    return bytes(kept), overflow


async def _read_tail(stream: asyncio.StreamReader, cap: int) -> bytes:
    kept = bytearray()
    while chunk := await stream.read(65536):
        kept += chunk
        if len(kept) > cap:
            del kept[:-cap]
    return bytes(kept)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_limited(
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    stdout_cap: int = 1 << 20,
    stderr_cap: int = 8192,
) -> ProcessOutcome:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        env=dict(env) if env is not None else None,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out_task = asyncio.create_task(_read_head(proc.stdout, stdout_cap))
    err_task = asyncio.create_task(_read_tail(proc.stderr, stderr_cap))
    timed_out = False
    try:
        try:
            await asyncio.wait_for(proc.wait(), timeout_s)
        except TimeoutError:
            timed_out = True
    except BaseException:
        out_task.cancel()
        err_task.cancel()
        raise
    finally:
        # Always: a timed-out child, a grandchild left behind by a normal exit, or our caller
        # being cancelled mid-wait must not leave anything running.
        _kill_group(proc.pid)
        if proc.returncode is None:
            await asyncio.shield(proc.wait())
    done, pending = await asyncio.wait({out_task, err_task}, timeout=_DRAIN_GRACE_S)
    for task in pending:
        task.cancel()
    stdout, overflow = out_task.result() if out_task in done else (b"", False)
    stderr_tail = err_task.result() if err_task in done else b""
    return ProcessOutcome(None if timed_out else proc.returncode, stdout, stderr_tail, timed_out, overflow)
