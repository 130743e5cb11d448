"""The loop every background worker runs: a pass, then a wait that a NOTIFY cuts short.

A pass does one round of work and says when the next is wanted: `AT_ONCE` (it took a full batch,
more may be waiting), a number of seconds (the next job falls due then; at least
`min_wait_seconds`), or None (nothing is known: poll). The wait is `Wakeup.wait`, capped at
`poll_seconds`, so a missed notification costs at most one poll. A pass that raises (database or
broker away) is logged, then the worker pauses before the usual wait: a burst of NOTIFYs during
an outage must not become a busy loop.

`stop()` ends the loop after the pass in flight (a graceful shutdown); cancelling the task ends
it at once. Either way the worker's LISTEN connection is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Final, Literal

from shared.logging import log_fields
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.jobs")

AT_ONCE: Final = "at once"
Pass = Callable[[], Awaitable[float | None | Literal["at once"]]]


class JobWorker:
    def __init__(
        self,
        name: str,
        run_pass: Pass,
        *,
        wakeup: Wakeup | None,
        poll_seconds: float,
        error_pause_seconds: float = 1.0,
        min_wait_seconds: float = 0.0,
        logger: logging.Logger = log,
        failed_message: str = "background pass failed; will retry",
    ) -> None:
        self.name = name
        # Each worker logs under its own logger, with its own words, as before the primitive.
        self._log = logger
        self._failed_message = failed_message
        self._pass = run_pass
        self._wakeup = wakeup
        self._poll_seconds = poll_seconds
        self._error_pause_seconds = error_pause_seconds
        # When something is due but another worker holds it for a moment, wait at least this
        # long instead of spinning.
        self._min_wait_seconds = min_wait_seconds
        self._stopped = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    @property
    def listening(self) -> asyncio.Event | None:
        return None if self._wakeup is None else self._wakeup.listening

    def stop(self) -> None:
        self._stopped.set()
        if self._wakeup is not None:
            self._wakeup.set()

    async def run(self) -> None:
        if self._wakeup is not None:
            self._wakeup.start()
        try:
            while not self.stopping:
                try:
                    next_in = await self._pass()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._log.warning(self._failed_message, extra=log_fields(worker=self.name, error=repr(exc)))
                    await self._pause(min(self._error_pause_seconds, self._poll_seconds))
                    next_in = None
                if self.stopping:
                    break
                if next_in == AT_ONCE:
                    continue
                assert not isinstance(next_in, str)
                timeout = (
                    self._poll_seconds
                    if next_in is None
                    else min(self._poll_seconds, max(next_in, self._min_wait_seconds))
                )
                await self._wait(timeout)
        finally:
            if self._wakeup is not None:
                await self._wakeup.stop()

    async def _wait(self, timeout: float) -> None:
        if self._wakeup is not None:
            await self._wakeup.wait(timeout)
        else:
            await self._pause(timeout)

    async def _pause(self, seconds: float) -> None:
        """Sleep that only `stop()` cuts short."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()
