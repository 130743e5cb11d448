"""`make run`'s SMTP sink in a process of its own.

Why: in a thread of `countersign run` the sink shared one interpreter lock with the embedded moto
S3 server and the development TSA. Under the lifecycle bench those are busy (uploads, downloads,
a timestamp per seal), and the sink's acceptance of a message, the end of "send → invitation
accepted by SMTP", waited for them (bench/README.md, 2026-12-05). A real relay shares no process
with the object store. The tests' sinks (tests/peers.py) stay threads: nothing loads them so.

The process is started with `spawn` (`run` has threads), ignores Ctrl-C (the supervisor stops it
after the services), and dies with `run` however `run` ends (shared/parent_death.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from services.devstack.mail_sink import start_mail_sink
from shared.parent_death import die_with_parent

START_TIMEOUT_SECONDS = 30.0


def _serve(host: str, port: int, directory: str, ready: Connection, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        controller = start_mail_sink(host, port, Path(directory))
    except Exception as exc:  # the port was taken since the check, say
        ready.send(f"{type(exc).__name__}: {exc}")
        return
    ready.send(None)
    while not stop.wait(0.5):
        pass
    controller.stop()


class MailSinkProcess:
    """Started by `start()`, which returns once the sink accepts connections (or raises why not)."""

    def __init__(self, host: str, port: int, directory: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_serve,
            args=(host, port, str(directory), child_end, os.getpid()),
            name="countersign-smtp-sink",
            daemon=True,
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def start(self) -> None:
        self._process.start()
        if not self._ready.poll(START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError(f"the SMTP sink did not start within {START_TIMEOUT_SECONDS:.0f} s")
        if (failure := self._ready.recv()) is not None:
            self._process.join(5)
            raise RuntimeError(failure)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def start_mail_sink_process(host: str, port: int, directory: Path) -> MailSinkProcess:
    sink = MailSinkProcess(host, port, directory)
    sink.start()
    return sink
