"""One LISTEN connection per process and database for the plain wakeups (shared/wakeup.py).

PostgreSQL signals every listening session of a database on every NOTIFY there, whatever its
channel, and each session reads the queue in a transaction of its own. So each LISTEN
connection costs a commit per notifying transaction of the whole system: measured on the
lifecycle bench, xact_commit grew by ~2,050 while the statement log held ~1,050 transactions,
the difference being the six LISTEN sessions (documents: outbox relay, completion worker;
notifier: outbox relay, emails, webhooks; gateway: key cache) each waking for every event, email
and completion. A probe confirmed it: 100 NOTIFYs with 5 idle sessions listening on another
channel committed ~600 transactions. Sharing one connection per process keeps the wake-ups and
their guarantees (LISTEN before `listening` is set, a catch-up wake after every (re)connect, a
probe for a connection that died silently) and cuts those sessions to one per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import asyncpg

from shared.logging import log_fields

if TYPE_CHECKING:
    from shared.wakeup import Wakeup

log = logging.getLogger("countersign.wakeup")

_LISTENERS: dict[tuple[asyncio.AbstractEventLoop, str], SharedListener] = {}


def listener_for(database_url: str) -> SharedListener:
    key = (asyncio.get_running_loop(), database_url)
    if key not in _LISTENERS:
        _LISTENERS[key] = SharedListener(database_url, lambda: _LISTENERS.pop(key, None))
    return _LISTENERS[key]


class SharedListener:
    # As Wakeup's own connection: probe a silent one, bound the connect, back off while away.
    PROBE_SECONDS = 15.0
    CONNECT_TIMEOUT_SECONDS = 10.0
    MAX_RECONNECT_SECONDS = 10.0

    def __init__(self, database_url: str, forget: Callable[[], object]) -> None:
        self._database_url = database_url
        self._forget = forget
        self._members: dict[str, set[Wakeup]] = {}
        self._heard: set[Wakeup] = set()  # members whose channel is LISTENed on the live connection
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def join(self, wakeup: Wakeup) -> None:
        self._members.setdefault(wakeup.channel, set()).add(wakeup)
        self._changed.set()
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever())

    async def leave(self, wakeup: Wakeup) -> None:
        members = self._members.get(wakeup.channel, set())
        members.discard(wakeup)
        self._heard.discard(wakeup)
        if not members:
            self._members.pop(wakeup.channel, None)
            self._changed.set()  # UNLISTEN it: nobody here waits on it any more
        if not self._members and self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            if not self._members:  # nobody joined while it stopped
                self._forget()

    def _notified(self, _conn: object, _pid: int, channel: str, _payload: str) -> None:
        for wakeup in self._members.get(channel, ()):
            wakeup.set()

    async def _listen_forever(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._listen_once()
            except Exception as exc:
                log.warning(
                    "listener lost; reconnecting", extra=log_fields(channel=",".join(self._members), error=repr(exc))
                )
            finally:  # cancelled too: nobody hears anything any more
                worked = bool(self._heard)
                for wakeup in self._heard:
                    wakeup.listening.clear()
                self._heard.clear()
            delay = 1.0 if worked else min(delay * 2, self.MAX_RECONNECT_SECONDS)
            await asyncio.sleep(delay)

    async def _listen_once(self) -> None:
        lost = asyncio.Event()
        async with asyncio.timeout(self.CONNECT_TIMEOUT_SECONDS):
            conn = await asyncpg.connect(self._database_url)
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            listened: set[str] = set()
            while not lost.is_set() and not conn.is_closed():
                self._changed.clear()
                for channel in list(self._members):
                    if channel not in listened:
                        await conn.add_listener(channel, self._notified)
                        listened.add(channel)
                for channel in listened - set(self._members):
                    await conn.remove_listener(channel, self._notified)
                    listened.discard(channel)
                for wakeup in {w for members in self._members.values() for w in members} - self._heard:
                    # LISTEN is on before `listening` is set, and a catch-up pass follows.
                    self._heard.add(wakeup)
                    wakeup.listening.set()
                    wakeup.set()
                changed = asyncio.create_task(self._changed.wait())
                gone = asyncio.create_task(lost.wait())
                try:
                    done, _ = await asyncio.wait(
                        {changed, gone}, timeout=self.PROBE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    changed.cancel()
                    gone.cancel()
                if not done:
                    await conn.execute("SELECT 1", timeout=5)
            raise ConnectionError("the LISTEN connection was closed")
        finally:
            with contextlib.suppress(Exception):
                conn.terminate()
