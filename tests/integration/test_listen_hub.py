"""The background workers of a process share one LISTEN connection per database
(shared/listen_hub.py): each still hears its own channel, all of them notice the connection's
loss and come back with it, and the connection closes with the last of them.

The Wakeups connect through a TcpProxy, so the connections they hold are counted exactly (the
session system's workers listen on the same database, directly) and can be cut.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.settings import Settings
from shared.wakeup import Wakeup
from tests.scratch import eventually
from tests.tcp_proxy import TcpProxy

CHANNELS = ("hub_test_a", "hub_test_b", "hub_test_c")
# The Wakeups' own poll is never reached: a wait that ends within this bound was a notification.
WAIT_BOUND_SECONDS = 10


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def wakeups(prepared: Settings, proxy: TcpProxy) -> AsyncIterator[list[Wakeup]]:
    url = prepared.database_url.replace(":5432/", f":{proxy.port}/")
    assert str(proxy.port) in url
    wakeups = [Wakeup(url, channel) for channel in CHANNELS]
    for wakeup in wakeups:
        wakeup.start()
    yield wakeups
    for wakeup in wakeups:
        await wakeup.stop()


async def all_listening(wakeups: list[Wakeup]) -> None:
    await asyncio.wait_for(asyncio.gather(*(w.listening.wait() for w in wakeups)), WAIT_BOUND_SECONDS)
    for wakeup in wakeups:
        await wakeup.wait(0)  # the catch-up wake every listener gets on (re)connecting


async def heard(wakeup: Wakeup, db: asyncpg.Pool) -> None:
    await db.execute(f"NOTIFY {wakeup.channel}")
    await asyncio.wait_for(wakeup.wait(3600), WAIT_BOUND_SECONDS)


async def test_three_workers_listen_on_one_connection_and_each_hears_its_channel(
    wakeups: list[Wakeup], proxy: TcpProxy, db: asyncpg.Pool
) -> None:
    await all_listening(wakeups)
    assert proxy.active == 1
    for wakeup in reversed(wakeups):
        await heard(wakeup, db)


async def test_a_lost_connection_is_noticed_by_all_and_reopened_for_all(
    wakeups: list[Wakeup], proxy: TcpProxy, db: asyncpg.Pool
) -> None:
    await all_listening(wakeups)
    accepted = proxy.accepted
    proxy.drop_connections()  # as a PostgreSQL restart does

    async def all_lost() -> bool:
        return not any(w.listening.is_set() for w in wakeups)

    await eventually(all_lost, WAIT_BOUND_SECONDS, "every worker to notice the LISTEN connection is gone")
    await all_listening(wakeups)
    assert proxy.accepted == accepted + 1 and proxy.active == 1
    for wakeup in wakeups:
        await heard(wakeup, db)  # a NOTIFY on the new connection


async def test_the_connection_closes_with_the_last_worker(wakeups: list[Wakeup], proxy: TcpProxy) -> None:
    await all_listening(wakeups)
    for wakeup in wakeups[:2]:
        await wakeup.stop()
        assert not wakeup.listening.is_set()
    assert proxy.active == 1 and wakeups[2].listening.is_set()
    await wakeups[2].stop()

    async def closed() -> bool:
        return proxy.active == 0

    await eventually(closed, WAIT_BOUND_SECONDS, "the LISTEN connection to close")
    wakeups[0].start()  # a worker started afterwards opens a connection again
    await all_listening(wakeups[:1])
    assert proxy.active == 1
