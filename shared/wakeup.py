"""Waking a background worker on a PostgreSQL NOTIFY, with a poll as the safety net.

Used by the documents service's completion worker and the notifier's email send worker.

A dedicated LISTEN connection sets an asyncio.Event on each notification and is reopened when
lost; `wait(timeout)` returns on a notification, on `set()` (shutdown) or after the timeout, so
a missed notification costs at most one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from shared.logging import log_fields

log = logging.getLogger("countersign.wakeup")


class Wakeup:
    # An idle LISTEN connection that died without a FIN would hear nothing; probe it.
    PROBE_SECONDS = 15.0

    def __init__(self, database_url: str, channel: str) -> None:
        self._database_url = database_url
        self._channel = channel
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=timeout)
        self._event.clear()

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listener lost; reconnecting", extra=log_fields(channel=self._channel, error=repr(exc)))
            await asyncio.sleep(1)

    async def _listen_once(self) -> None:
        lost = asyncio.Event()
        conn = await asyncpg.connect(self._database_url, timeout=10)
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, lambda *_: self._event.set())
            self._event.set()  # catch up on anything queued while we were not listening
            while not conn.is_closed():
                try:
                    await asyncio.wait_for(lost.wait(), timeout=self.PROBE_SECONDS)
                except asyncio.TimeoutError:
                    await conn.execute("SELECT 1", timeout=5)
        finally:
            conn.terminate()
