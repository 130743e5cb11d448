"""One LISTEN connection per database for the background workers of a process.

A service wakes each of its workers by a NOTIFY on the worker's own channel (documents: the
outbox relay and the signed-PDF builds; notifier: its outbox relay, the emails and the webhooks).
With a connection each, every process held one PostgreSQL connection per worker, which
`max_connections` has to hold for every replica (the test suite, running whole systems side by
side, ran out of them). Here the workers of one database share one connection: the hub LISTENs on
every channel its members follow and hands each notification to that channel's members; while
the connection is lost their `listening` is clear, and once it is back each is woken to catch up
on what was said meanwhile. (The gateway's key cache keeps a connection of its own: it fills
itself on that connection and is found by its application_name; shared/wakeup.py decides.)

Only the hub's task uses the connection (asyncpg runs one operation at a time on it): members
join and leave without awaiting it, and the task LISTENs for newcomers. A leaver's channel stays
LISTENed until the connection closes, because an UNLISTEN would await a server that may be gone
and a stopping worker must never wait on one; the last member to leave closes the connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import ClassVar, Protocol

import asyncpg

from shared.logging import log_fields

log = logging.getLogger("countersign.wakeup")


class Member(Protocol):
    """What the hub needs of a shared Wakeup."""

    @property
    def channel(self) -> str: ...

    @property
    def listening(self) -> asyncio.Event: ...

    def set(self) -> None: ...


# An idle LISTEN connection that died without a FIN (a network partition) raises no termination
# callback and would hear nothing for ever: probe it this often.
PROBE_SECONDS = 15.0
CONNECT_TIMEOUT_SECONDS = 10.0
# Reconnect once a second after a working connection broke; back off up to this while the
# database stays unreachable, so an outage is not a flood of log lines.
MAX_RECONNECT_SECONDS = 10.0


async def keep_listening(
    listen_once: Callable[[], Awaitable[None]], lost: Callable[[], bool], channels: Callable[[], str]
) -> None:
    """Run `listen_once` (which returns or raises only when its connection is gone) again and
    again until cancelled. `lost()` runs after each end, forgets what the connection held and
    says whether it had been listening (then the next try is in a second, else backing off)."""
    delay = 1.0
    while True:
        try:
            await listen_once()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("listener lost; reconnecting", extra=log_fields(channel=channels(), error=repr(exc)))
        finally:
            was_listening = lost()
        delay = 1.0 if was_listening else min(delay * 2, MAX_RECONNECT_SECONDS)
        await asyncio.sleep(delay)


class ListenHub:
    _hubs: ClassVar[dict[tuple[asyncio.AbstractEventLoop, str], ListenHub]] = {}

    @classmethod
    def join(cls, database_url: str, member: Member) -> ListenHub:
        """The hub of this event loop and database, with `member` in it (and its task running)."""
        key = (asyncio.get_running_loop(), database_url)
        hub = cls._hubs.get(key)
        if hub is None:
            hub = cls._hubs[key] = cls(database_url)
        hub._members.setdefault(member.channel, set()).add(member)
        if hub._task is None:
            hub._task = asyncio.create_task(hub._listen_forever())
        hub._stir.set()
        return hub

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._members: dict[str, set[Member]] = {}
        self._listened: set[str] = set()  # the channels LISTENed on the current connection
        self._stir = asyncio.Event()  # a member joined, or the connection was lost
        self._task: asyncio.Task[None] | None = None

    async def leave(self, member: Member) -> None:
        member.listening.clear()
        members = self._members.get(member.channel, set())
        members.discard(member)
        if not members:
            self._members.pop(member.channel, None)
        if self._members or self._task is None:
            return
        # The last member: the connection goes. A member joining from now on starts a new hub.
        key = (asyncio.get_running_loop(), self._database_url)
        if self._hubs.get(key) is self:
            del self._hubs[key]
        task, self._task = self._task, None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _listen_forever(self) -> None:
        await keep_listening(self._listen_once, self._lost, lambda: ",".join(self._members))

    def _lost(self) -> bool:
        was_listening = bool(self._listened)
        self._listened.clear()
        for members in self._members.values():
            for member in members:
                member.listening.clear()
        return was_listening

    async def _listen_once(self) -> None:
        lost = asyncio.Event()

        def closed(_conn: object) -> None:
            lost.set()
            self._stir.set()

        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            conn = await asyncpg.connect(self._database_url)
        try:
            # Called by asyncpg when the socket closes, so a restart is noticed at once rather
            # than at the next probe.
            conn.add_termination_listener(closed)
            while not lost.is_set() and not conn.is_closed():
                self._stir.clear()
                await self._listen_for_newcomers(conn)
                try:
                    async with asyncio.timeout(PROBE_SECONDS):
                        await self._stir.wait()
                except TimeoutError:
                    await conn.execute("SELECT 1", timeout=5)
            raise ConnectionError("the LISTEN connection was closed")
        finally:
            # close() would wait for a server that may be gone; the listener holds no work.
            conn.terminate()

    async def _listen_for_newcomers(self, conn: asyncpg.Connection) -> None:
        for channel in [channel for channel in self._members if channel not in self._listened]:
            await conn.add_listener(channel, self._notified)
            self._listened.add(channel)
        for channel in self._listened:
            for member in list(self._members.get(channel, ())):
                if not member.listening.is_set():
                    member.listening.set()
                    member.set()  # catch up on anything queued while it was not listening

    def _notified(self, _conn: object, _pid: int, channel: str, _payload: str) -> None:
        for member in list(self._members.get(channel, ())):
            member.set()
