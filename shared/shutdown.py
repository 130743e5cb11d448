"""Graceful shutdown: one grace period per process, shared by everything that has work in flight.

On SIGTERM (shared/http_server.py) the service stops accepting connections, lets in-flight HTTP
requests finish, then tears its resources down in reverse order: consumers finish the messages
they hold, background workers finish their pass. All of that shares one deadline,
SHUTDOWN_GRACE_SECONDS from the signal, so a stop never takes longer than the grace (plus a
moment), whatever the number of pieces: what is still running when it ends is cancelled, and
the work comes back by the usual ways (an unacked message is redelivered, a lease expires, an
outbox row stays unpublished) — never half-written, because every effect commits in one
transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiohttp import web


class Grace:
    """The shutdown deadline of one app: started by the signal (or by the first piece that
    stops, when an app is torn down without one, as tests do)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadline: float | None = None

    def start(self) -> None:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds

    def remaining(self) -> float:
        self.start()
        assert self._deadline is not None
        return max(0.0, self._deadline - time.monotonic())


GRACE: web.AppKey[Grace] = web.AppKey("shutdown_grace", Grace)

# When an app was built without a grace (an app assembled by hand in a test).
DEFAULT_GRACE_SECONDS = 30.0


def grace_of(app: web.Application) -> Grace:
    if GRACE not in app:
        app[GRACE] = Grace(DEFAULT_GRACE_SECONDS)
    return app[GRACE]


async def finish_task(grace: Grace, task: asyncio.Task[object], stop: Callable[[], None] | None = None) -> None:
    """Ask a background task to stop (`stop`, e.g. JobWorker.stop: it ends after the pass in
    flight), wait for it within what is left of the grace, then cancel it."""
    if stop is not None:
        stop()
    # asyncio.wait neither raises nor cancels: the task's own outcome is its business.
    await asyncio.wait({task}, timeout=grace.remaining())
    if not task.done():
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)
