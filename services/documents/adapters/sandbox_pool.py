"""A pool of warm sandbox workers for the work on strangers' files (sandbox_worker.py).

    pool = SandboxPool(size, jobs_per_worker=100, memory_mb=768)
    await pool.start()                      # the workers start in the background
    outcome = await pool.run("inspect", request_json, timeout_s=20, memory_mb=768, cpu_seconds=20)
    await pool.close()                      # the jobs in flight finish, then the workers stop

Why: a process per file spent its CPU on starting Python and importing pypdf — 314 ms of CPU per
upload check, for a check that takes 1 ms once the libraries are loaded (measured on the 2-core
machine; about 45 % of the documents service's CPU under the lifecycle load).

Every way a job ends is a `pdf.sandbox.ProcessOutcome`, as if the job had had a process of its
own, so callers judge it exactly as they judge `run_limited`: the reply (returncode 0), the
worker's exit status or signal with its stderr tail (a crash, SIGXCPU past the CPU limit), a
timeout (the wall clock here: the worker's process group is killed), a reply over the cap.

A worker is replaced after `jobs_per_worker` jobs, after a job that asked for it (a limit
reached, memory grown: sandbox_worker.py), after any ending other than a reply, when a job's
caller is cancelled mid-job, and when it dies while idle (killed from outside): a crash or a
timeout costs the job that ran in it, never the next one, and never the service. Jobs beyond the
pool's size wait for a worker in arrival order; when no worker can be started at all, a job
fails (SandboxUnavailable) instead of waiting for ever. `close` refuses new jobs (PoolClosed,
never a silent loss) and lets those in flight finish, each within its own wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from services.documents.adapters.sandbox_metrics import record_job
from services.documents.pdf.sandbox import HEADER, LENGTH, RECYCLE, ProcessOutcome, child_env
from shared.settings import Settings

log = logging.getLogger("countersign.documents.sandbox")

# A module-level list so tests can substitute a misbehaving worker.
WORKER_ARGV: list[str] = [sys.executable, "-m", "services.documents.adapters.sandbox_worker"]
STDERR_CAP = 8192
# Starting Python and importing the libraries: seconds under load, never a minute.
READY_TIMEOUT_S = 60.0
# After a worker closed its stdout, how long it may take to exit before it is killed, and how
# long stragglers holding its stderr may keep us reading.
EXIT_GRACE_S = 2.0
RESPAWN_PAUSE_S = 1.0


class PoolClosed(Exception):
    """The pool is shutting down: the job was not started."""


class SandboxUnavailable(Exception):
    """No worker could be started (the logs say why): the job was not started."""


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.jobs = 0
        self.busy = False
        self.tail = bytearray()
        assert proc.stderr is not None
        self._stderr = asyncio.create_task(self._drain(proc.stderr))

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        # Always read: a worker that writes more than the pipe buffer must not block on it.
        while chunk := await stream.read(65536):
            self.tail += chunk
            if len(self.tail) > STDERR_CAP:
                del self.tail[:-STDERR_CAP]

    def kill(self) -> None:
        """SIGKILL to the worker's process group: the worker and anything it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def ended(self) -> int | None:
        """The worker's exit status once it is gone; killed if it does not go by itself soon."""
        try:
            async with asyncio.timeout(EXIT_GRACE_S):
                await self.proc.wait()
        except TimeoutError:
            pass
        self.kill()  # also whatever it left behind
        returncode = await asyncio.shield(self.proc.wait())
        await asyncio.wait({self._stderr}, timeout=EXIT_GRACE_S)  # the tail, unless held open
        if not self._stderr.done():
            self._stderr.cancel()
        elif not self._stderr.cancelled():
            self._stderr.exception()  # a read error only shortens the tail
        return returncode


class SandboxPool:
    """Implements pdf.sandbox.Sandbox with `size` warm workers (see the module's docstring)."""

    def __init__(
        self,
        size: int,
        *,
        jobs_per_worker: int,
        memory_mb: int,
        argv: list[str] | None = None,
        ready_timeout_s: float = READY_TIMEOUT_S,
    ) -> None:
        self._size = size
        self._ready_timeout_s = ready_timeout_s
        self._failed_starts = 0  # in a row; 0 once a worker starts
        self._jobs_per_worker = jobs_per_worker
        self._memory_mb = memory_mb
        self._argv = argv
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._in_flight = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self._closing = False  # new jobs refused
        self._stopping = False  # no worker replaced any more
        self.started = 0  # workers started so far

    def pids(self) -> list[int]:
        """The live workers' process ids (for tests and diagnostics)."""
        return sorted(w.proc.pid for w in self._workers if w.proc.returncode is None)

    async def start(self) -> None:
        for _ in range(self._size):
            self._background(self._spawn())

    async def run(
        self, kind: str, request: str, *, timeout_s: float, memory_mb: int, cpu_seconds: int, reply_cap: int = 1 << 20
    ) -> ProcessOutcome:
        if self._closing:
            raise PoolClosed("the sandbox pool is shutting down")
        body = json.dumps({"kind": kind, "request": request, "memory_mb": memory_mb, "cpu_seconds": cpu_seconds})
        frame = LENGTH.pack(len(body.encode())) + body.encode()
        self._in_flight += 1
        self._drained.clear()
        try:
            worker = await self._take()
            outcome = await self._run_on(worker, frame, timeout_s, reply_cap)
            record_job(kind, outcome)  # countersign_sandbox_jobs_total and its limit breaches
            return outcome
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._drained.set()

    async def close(self) -> None:
        self._closing = True
        await self._drained.wait()  # each job in flight ends within its own wall clock
        self._stopping = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers = list(self._workers)
        for worker in workers:
            worker.kill()
        await asyncio.gather(*(w.ended() for w in workers), return_exceptions=True)
        self._workers.clear()

    # --- one job ----------------------------------------------------------------------------------

    async def _take(self) -> _Worker:
        while True:
            try:
                async with asyncio.timeout(self._ready_timeout_s):
                    worker = await self._idle.get()
            except TimeoutError:
                # Waiting behind busy workers is fine (each job ends within its wall clock);
                # waiting for workers that cannot start (a limit too low to import the
                # libraries, a broken environment) would be for ever.
                if self._failed_starts and not self._workers:
                    raise SandboxUnavailable("no sandbox worker could be started") from None
                continue
            if worker.proc.returncode is None:  # one that died while idle is replaced by _watch
                worker.busy = True
                return worker

    async def _run_on(self, worker: _Worker, frame: bytes, timeout_s: float, reply_cap: int) -> ProcessOutcome:
        worker.jobs += 1
        worker.tail.clear()
        keep = False
        try:
            outcome, keep = await self._exchange(worker, frame, timeout_s, reply_cap)
        finally:  # also when our caller is cancelled: a worker left mid-job is never reused
            if keep and worker.jobs < self._jobs_per_worker and not self._stopping:
                worker.busy = False
                self._idle.put_nowait(worker)
            else:
                self._retire(worker)
        return outcome

    async def _exchange(
        self, worker: _Worker, frame: bytes, timeout_s: float, reply_cap: int
    ) -> tuple[ProcessOutcome, bool]:
        """The job's outcome, and whether the worker may run another."""
        proc = worker.proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            async with asyncio.timeout(timeout_s):
                proc.stdin.write(frame)
                await proc.stdin.drain()
                length, flags = HEADER.unpack(await proc.stdout.readexactly(HEADER.size))
                if length > reply_cap:
                    worker.kill()
                    return ProcessOutcome(await worker.ended(), b"", bytes(worker.tail), False, True), False
                reply = await proc.stdout.readexactly(length)
        except TimeoutError:
            worker.kill()
            await worker.ended()
            return ProcessOutcome(None, b"", bytes(worker.tail), True, False), False
        except (asyncio.IncompleteReadError, ConnectionError):  # it ended: crash, signal, limit
            returncode = await worker.ended()
            return ProcessOutcome(returncode, b"", bytes(worker.tail), False, False), False
        return ProcessOutcome(0, reply, bytes(worker.tail), False, False), not flags & RECYCLE

    # --- workers ----------------------------------------------------------------------------------

    def _background(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _retire(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.kill()
        self._background(worker.ended())  # reaped in the background
        if not self._stopping:
            self._background(self._spawn())

    async def _spawn(self) -> None:
        while not self._stopping:
            try:
                worker = await self._start_worker()
            except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError) as exc:
                self._failed_starts += 1
                log.error("a sandbox worker did not start: %r; retrying", exc)
                await asyncio.sleep(RESPAWN_PAUSE_S)
                continue
            self._failed_starts = 0
            self._workers.add(worker)
            self._background(self._watch(worker))
            self._idle.put_nowait(worker)
            return

    async def _start_worker(self) -> _Worker:
        argv = self._argv if self._argv is not None else WORKER_ARGV
        proc = await asyncio.create_subprocess_exec(
            *argv,
            str(self._memory_mb),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: one kill takes anything it started
            env=child_env(),
        )
        worker = _Worker(proc)
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(self._ready_timeout_s):
                length, _ = HEADER.unpack(await proc.stdout.readexactly(HEADER.size))
            if length != 0:
                raise ValueError("the worker's first frame is not the ready frame")
        except BaseException:
            worker.kill()
            await worker.ended()
            raise
        self.started += 1
        return worker

    async def _watch(self, worker: _Worker) -> None:
        """A worker that dies while idle (killed from outside, the OOM killer) is replaced at
        once; one that dies during a job is the job's to report (_exchange, then _retire)."""
        returncode = await worker.proc.wait()
        if worker.busy or worker not in self._workers:
            return
        self._workers.discard(worker)
        log.warning("an idle sandbox worker ended (status %s); replacing it", returncode)
        await worker.ended()
        if not self._stopping:
            await self._spawn()


SANDBOX: web.AppKey[SandboxPool] = web.AppKey("sandbox_pool", SandboxPool)


def sandbox_ctx(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx entry: the pool (app[SANDBOX]) while the app runs; none when the size is 0,
    and every job then gets a process of its own (pdf.sandbox.run_limited)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if settings.sandbox_pool_size == 0:
            yield
            return
        pool = SandboxPool(
            settings.sandbox_pool_size,
            jobs_per_worker=settings.sandbox_jobs_per_worker,
            memory_mb=settings.pdf_parse_memory_mb,
        )
        await pool.start()
        app[SANDBOX] = pool
        try:
            yield
        finally:
            await pool.close()

    return ctx
