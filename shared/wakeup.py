"""Waking a background worker on a PostgreSQL NOTIFY, with a poll as the safety net.

Used by every background worker (shared/jobs: the outbox relays, completion, emails, webhooks)
and by the gateway's API-key cache, which also reads each notification's payload (`on_payload`),
fills itself on a fresh connection (`on_listen`) and empties itself when the connection is lost
(`on_lost`): while nobody listens, nothing may be trusted to be current.

A LISTEN connection sets an asyncio.Event on each notification and is reopened when lost: one
connection per database shared by every worker of the process (shared/listen_hub.py), or, for a
Wakeup that reads payloads, fills itself on the connection or is found by its application_name
(the key cache), a connection of its own. `wait(timeout)` returns on a notification, on `set()`
(shutdown) or after the timeout, so a missed notification costs at most one poll interval.

Every wait here is `asyncio.timeout`, never `asyncio.wait_for`: on Python 3.11, `wait_for`
returns normally when it is cancelled in the same loop iteration as the awaited thing completes
(a NOTIFY arriving as the worker is stopped), so the cancellation is lost, the loop goes on, and
whoever awaits the cancelled task waits for ever. That was the teardown hang of the outbox relay
tests (tests/integration/test_worker_shutdown.py reproduces it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg

from shared.listen_hub import CONNECT_TIMEOUT_SECONDS, PROBE_SECONDS, ListenHub, keep_listening


class Wakeup:
    # Probing and reconnecting as the shared connections do (shared/listen_hub.py).

    def __init__(
        self,
        database_url: str,
        channel: str,
        *,
        on_payload: Callable[[str], None] | None = None,
        on_listen: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
        on_lost: Callable[[], None] | None = None,
        application_name: str | None = None,
    ) -> None:
        self._database_url = database_url
        self._channel = channel
        self._on_payload = on_payload
        self._on_listen = on_listen
        self._on_lost = on_lost
        self._server_settings = {"application_name": application_name} if application_name else None
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._shares = on_payload is None and on_listen is None and on_lost is None and application_name is None
        self._hub: ListenHub | None = None
        # Set while the LISTEN connection is open; tests and readiness can wait on it.
        self.listening = asyncio.Event()

    @property
    def channel(self) -> str:
        return self._channel

    def start(self) -> None:
        if self._shares:
            if self._hub is None:
                self._hub = ListenHub.join(self._database_url, self)
        elif self._task is None:
            self._task = asyncio.create_task(self._listen_forever())

    async def stop(self) -> None:
        if self._hub is not None:
            hub, self._hub = self._hub, None
            await hub.leave(self)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.listening.clear()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Until a notification (or `set()`) or the timeout; a notification that arrived since
        the last wait returns at once, so none is lost while the worker was busy."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()
        self._event.clear()

    async def _listen_forever(self) -> None:
        await keep_listening(self._listen_once, self._lost, lambda: self._channel)

    def _lost(self) -> bool:
        if self._on_lost is not None:
            self._on_lost()
        was_listening = self.listening.is_set()
        self.listening.clear()
        return was_listening

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if self._on_payload is not None:
            self._on_payload(payload)
        self._event.set()

    async def _listen_once(self) -> None:
        lost = asyncio.Event()
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            conn = await asyncpg.connect(self._database_url, server_settings=self._server_settings)
        try:
            # Called by asyncpg when the socket closes, so a restart is noticed at once rather
            # than at the next probe.
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, self._notified)
            if self._on_listen is not None:
                await self._on_listen(conn)  # after LISTEN: nothing said from now on is missed
            self.listening.set()
            self._event.set()  # catch up on anything queued while we were not listening
            while not lost.is_set() and not conn.is_closed():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(PROBE_SECONDS):
                        await lost.wait()
                if not lost.is_set():
                    await conn.execute("SELECT 1", timeout=5)
            raise ConnectionError("the LISTEN connection was closed")
        finally:
            # close() would wait for a server that may be gone; the listener holds no work.
            conn.terminate()
