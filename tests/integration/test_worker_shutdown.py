"""Background workers stop when cancelled, whatever their LISTEN connection is doing.

The hang these tests catch: a worker cancelled in the same loop iteration as a NOTIFY woke it
(asyncio.wait_for on Python 3.11 returns normally then, and the cancellation is lost) kept
running, and whoever awaited it — an app's cleanup, a test's teardown — waited for ever. It took
the outbox relay's move onto the shared Wakeup back out once (commit ccebc62). Notifications
are kept coming here so that the race is hit on most tries, not once in a hundred runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from shared.broker import Broker
from shared.db import create_pool
from shared.jobs.worker import JobWorker
from shared.outbox import OutboxRelay, channel_name
from shared.settings import Settings
from shared.wakeup import Wakeup
from tests.scratch import create_outbox_schema, delete_amqp_namespace, scratch_settings
from tests.tcp_proxy import TcpProxy

SCHEMA = "shutdown_test"
CHANNEL = channel_name(SCHEMA)
# Far more than a stop needs (milliseconds), far less than "for ever".
STOP_WITHIN_SECONDS = 5.0
TRIES = 40
LISTENER_NAME = "countersign-shutdown-test"


@pytest.fixture(scope="module")
async def shutdown_settings(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "shutdown")
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


@pytest.fixture
async def pool(shutdown_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(shutdown_settings, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await create_outbox_schema(conn, SCHEMA)
    yield pool
    await pool.close()


@pytest.fixture
async def broker(shutdown_settings: Settings) -> AsyncIterator[Broker]:
    broker = Broker(shutdown_settings)
    await broker.connect()
    yield broker
    await broker.close()


@contextlib.asynccontextmanager
async def notifications(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """NOTIFY the channel back to back while the block runs."""

    async def flood() -> None:
        async with pool.acquire() as conn:
            while True:
                await conn.execute(f"NOTIFY {CHANNEL}")

    # Several connections, so that a notification is in flight at almost any moment.
    tasks = [asyncio.create_task(flood()) for _ in range(3)]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stops_when_cancelled(task: asyncio.Task[None]) -> bool:
    """Cancel once, as an app's cleanup does; True if the task ended within the bound. A task
    that did not is cancelled again (and again) so the test itself never hangs."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=STOP_WITHIN_SECONDS)
    for _ in range(50):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    return bool(done)


async def cancel_repeatedly(start: Callable[[], Awaitable[tuple[asyncio.Task[None], asyncio.Event]]]) -> list[int]:
    """Start a worker, let it hear notifications, cancel it; returns the tries that hung."""
    hung = []
    for attempt in range(TRIES):
        task, listening = await start()
        await asyncio.wait_for(listening.wait(), 10)
        await asyncio.sleep(0.002 * (attempt % 7))  # land the cancel at different points of the loop
        if not await stops_when_cancelled(task):
            hung.append(attempt)
    return hung


async def test_a_relay_cancelled_while_notifications_arrive_stops(
    shutdown_settings: Settings, pool: asyncpg.Pool, broker: Broker
) -> None:
    # An address of the relays' own (the same database): the workers of a process share a LISTEN
    # connection per address (shared/listen_hub.py), and the session system's would keep theirs
    # open. This one is the relays' alone, so it must be gone once they are.
    listen_url = f"{shutdown_settings.database_url}?application_name={LISTENER_NAME}"

    async def start() -> tuple[asyncio.Task[None], asyncio.Event]:
        relay = OutboxRelay(pool, broker, SCHEMA, listen_url, poll_seconds=30)
        return asyncio.create_task(relay.run()), relay.listening

    async with notifications(pool):
        assert await cancel_repeatedly(start) == []
    # The relays' LISTEN connection closed with the last of them.
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
            LISTENER_NAME,
        )
        == 0
    )


async def test_a_job_worker_cancelled_while_notifications_arrive_stops(
    shutdown_settings: Settings, pool: asyncpg.Pool
) -> None:
    passes = 0

    async def one_pass() -> float | None:
        nonlocal passes
        passes += 1
        return None

    async def start() -> tuple[asyncio.Task[None], asyncio.Event]:
        wakeup = Wakeup(shutdown_settings.database_url, CHANNEL)
        worker = JobWorker("shutdown-test", one_pass, wakeup=wakeup, poll_seconds=30)
        return asyncio.create_task(worker.run()), wakeup.listening

    async with notifications(pool):
        assert await cancel_repeatedly(start) == []
    assert passes > TRIES  # the notifications really woke the workers between passes


async def test_a_relay_whose_listen_connection_is_blocked_stops(
    shutdown_settings: Settings, pool: asyncpg.Pool, broker: Broker
) -> None:
    # A server that accepts the connection and never answers: the LISTEN connection's start-up
    # is stuck (as behind a network partition) when the relay is cancelled.
    accepted = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        accepted.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        listen_url = shutdown_settings.database_url.replace(":5432/", f":{port}/")
        relay = OutboxRelay(pool, broker, SCHEMA, listen_url, poll_seconds=0.1)
        task = asyncio.create_task(relay.run())
        await asyncio.wait_for(accepted.wait(), 10)
        assert await stops_when_cancelled(task)
        assert not relay.listening.is_set()
    finally:
        for writer in held:
            writer.transport.abort()
        server.close()


async def test_a_relay_stops_while_the_database_is_away(shutdown_settings: Settings, broker: Broker) -> None:
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    try:
        via_proxy = shutdown_settings.model_copy(
            update={"database_url": shutdown_settings.database_url.replace(":5432/", f":{proxy.port}/")}
        )
        away_pool = await create_pool(via_proxy, min_size=1, max_size=2)
        try:
            relay = OutboxRelay(away_pool, broker, SCHEMA, via_proxy.database_url, poll_seconds=0.1)
            task = asyncio.create_task(relay.run())
            await asyncio.wait_for(relay.listening.wait(), 10)
            proxy.outage()  # both the LISTEN connection and the pool's connections break

            async def lost() -> None:
                while relay.listening.is_set():
                    await asyncio.sleep(0.02)

            await asyncio.wait_for(lost(), 10)
            await asyncio.sleep(0.3)  # a few failed passes and reconnects
            assert await stops_when_cancelled(task)
        finally:
            away_pool.terminate()
    finally:
        await proxy.close()
