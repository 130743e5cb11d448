"""The seal in processes of its own: the documents service's event loop never waits for pyHanko.

Why: a seal (seal.py) is CPU-bound Python; run in a thread of the service, it held the GIL while
the event loop wanted it, and everything else the process does waited behind it: the API, the
outbox relay (send → audit entry, send → invitation) and the link fetches of the notifier. In
py-spy of the lifecycle bench the seal was the documents service's largest part, and four
completions at once starved its loop (bench/README.md). In a process of its own it takes a core
of its own and holds no lock the service needs.

This is a trusted worker, not the sandbox (sandbox_pool.py): it holds an organisation's key for
the length of a seal, so it never runs a job on a stranger's file; it seals only the PDF our own
build wrote. Each process keeps the process-wide TSA client (timestamper.py: one sizing token, one
TLS context), as the service did. The workers are started with `spawn` (a fork of a process with
an event loop and threads is not safe) on the first seals, ignore SIGINT (Ctrl-C stops the service,
which shuts them down), and die with the service however it ends: a worker holds both ends of the
executor's pipes, so a killed service would leave it waiting forever; on Linux the kernel sends it
SIGKILL when the service dies (PR_SET_PDEATHSIG; the executor starts workers from the thread that
submits, the event loop's, which lives as long as the service).

The workers run at a lower CPU priority (`SEAL_NICE`, 10): a seal is background work that nobody
waits on by the millisecond, while the service and its peers on the same cores are on the paths
that have latency targets (send → invitation, send → audit entry, the API). When the cores are
busy, the kernel gives the seal what is left instead of an equal share; when they are idle, it
runs at full speed.

A worker that dies (killed, out of memory) breaks the executor: that seal fails (the completion
is retried) and the next one gets a fresh executor.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from services.documents.adapters.sealing.seal import SealIdentity, reserved_size, seal_file
from services.documents.adapters.sealing.timestamper import TimestampClient
from shared.parent_death import die_with_parent

# In each worker process: its TSA client (None without a TSA), made by `_start`.
_tsa: TimestampClient | None = None


def _start(service_pid: int, niceness: int, tsa_url: str | None, tsa_timeout_seconds: float) -> None:
    global _tsa
    die_with_parent(service_pid)
    if niceness:
        os.nice(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _tsa = TimestampClient(tsa_url, tsa_timeout_seconds) if tsa_url else None
    # The libraries now, so the first seal does not pay for importing them.
    import pyhanko.sign.signers  # noqa: F401


def _seal(source: str, target: str, identity: SealIdentity, crls: Sequence[bytes], reserved: int | None) -> int | None:
    """Runs in a worker. Returns the placeholder's size when it was not given (learnt from this
    seal, for the next ones), else None."""
    stamper = _tsa.get() if _tsa is not None else None
    try:
        seal_file(Path(source), Path(target), identity, stamper, crls, reserved)
        return reserved_size(Path(target)) if reserved is None else None
    except Exception:
        # The retry sizes everything afresh: a TSA that changed its certificate is asked again.
        if _tsa is not None and stamper is not None:
            _tsa.discard(stamper)
        raise


def _ready() -> None:
    """A job that only makes sure a worker has started."""


class SealProcesses:
    def __init__(self, workers: int, tsa_url: str | None, tsa_timeout_seconds: float, niceness: int = 0) -> None:
        self._workers = workers
        self._initargs = (niceness, tsa_url, tsa_timeout_seconds)
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(os.getpid(), *self._initargs),
        )

    def pids(self) -> list[int]:
        """The workers running now (tests; a process listing shows them as the service's children)."""
        return [pid for pid, proc in (self._executor._processes or {}).items() if proc.is_alive()]

    async def start(self) -> None:
        """Start the workers now rather than on the first seals (each imports pyHanko)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, _ready) for _ in range(self._workers)))

    async def seal(
        self, source: Path, target: Path, identity: SealIdentity, crls: Sequence[bytes], reserved: int | None
    ) -> int | None:
        executor = self._executor
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, _seal, str(source), str(target), identity, list(crls), reserved
            )
        except BrokenProcessPool:
            if self._executor is executor:  # the first seal to see it replaces it
                self._executor = self._new_executor()
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    async def close(self) -> None:
        """After the completions: nothing is sealing any more, so this is quick."""
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)
