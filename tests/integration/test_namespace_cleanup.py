"""`countersign infra --clean-test-namespaces` against the real broker and PostgreSQL: a killed
run's queues, exchanges and databases go; a live run's, a busy one's and `make run`'s stay.

The command reads its lock files from a directory of this test's own (COUNTERSIGN_TEST_LOCK_DIR),
so it only ever sees the namespaces made here, never another run's on this machine.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import asyncpg
import pytest

from services.devstack.namespace_locks import LOCK_DIR_VARIABLE, hold_namespace
from shared.broker import Broker
from shared.migrate import _with_database, ensure_database
from shared.settings import Settings
from tests.integration.test_cli import cli_env, countersign
from tests.scratch import delete_amqp_namespace, scratch_settings

KINDS = ("stale", "stale_relay", "live", "busy", "makerun")


@pytest.fixture
async def namespaces(prepared: Settings) -> AsyncIterator[dict[str, Settings]]:
    made = {
        kind: scratch_settings(
            prepared,
            f"nsclean_{kind}",
            database_url=_with_database(prepared.database_url, f"{prepared.amqp_namespace}_nsclean_{kind}"),
        )
        for kind in KINDS
    }
    for settings in made.values():
        await ensure_database(settings.database_url, recreate=True)
        broker = Broker(settings)
        await broker.connect()  # declares the namespace's exchanges and quorum queues
        await broker.close()
    yield made
    postgres = await asyncpg.connect(_with_database(prepared.database_url, "postgres"))
    try:
        for settings in made.values():
            await delete_amqp_namespace(settings)
            name = settings.database_url.rsplit("/", 1)[1]
            await postgres.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await postgres.close()


async def queue_exists(settings: Settings, name: str) -> bool:
    return await _exists(settings, name, queue=True)


async def exchange_exists(settings: Settings, name: str) -> bool:
    return await _exists(settings, name, queue=False)


async def _exists(settings: Settings, name: str, queue: bool) -> bool:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        try:
            if queue:
                await channel.declare_queue(name, passive=True)
            else:
                await channel.declare_exchange(name, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return False
        return True


async def database_exists(prepared: Settings, settings: Settings) -> bool:
    postgres = await asyncpg.connect(_with_database(prepared.database_url, "postgres"))
    try:
        name = settings.database_url.rsplit("/", 1)[1]
        return bool(await postgres.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await postgres.close()


async def test_a_killed_runs_names_go_and_a_live_runs_stay(
    prepared: Settings, namespaces: dict[str, Settings], tmp_path: Path
) -> None:
    stale, live, busy, makerun = (namespaces[k].amqp_namespace for k in ("stale", "live", "busy", "makerun"))
    # A killed run: its lock file is there, nobody holds it. Its derived `stale_relay` namespace has
    # no lock file of its own: it belongs to `stale`.
    for name in (stale, busy, makerun):
        (tmp_path / f"{name}.lock").touch()
    held = hold_namespace(live, tmp_path)  # a live run
    consumer = await aio_pika.connect(prepared.amqp_url)  # an orphan still consuming a stale run's queue
    try:
        queue = await (await consumer.channel()).get_queue(namespaces["busy"].queue_name("audit"))

        async def take(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await message.ack()

        await queue.consume(take)
        # `make run`'s namespace is the configured AMQP_NAMESPACE: never touched, lock file or not.
        env = cli_env(namespaces["makerun"], **{LOCK_DIR_VARIABLE: str(tmp_path)})

        result = await countersign("infra", "--clean-test-namespaces", env=env)

        assert result.code == 0, result.err
        assert f"removed test namespace {stale}: 12 queue(s), 4 exchange(s), 2 database(s)" in result.out
        assert f"kept test namespace {busy}: {busy}.audit has consumers" in result.out
        for kind in ("stale", "stale_relay"):
            settings = namespaces[kind]
            for consumer_name in ("audit", "notifier", "documents"):
                assert not await queue_exists(prepared, settings.queue_name(consumer_name))
                assert not await queue_exists(prepared, settings.queue_name(consumer_name) + ".dead")
            assert not await exchange_exists(prepared, settings.events_exchange)
            assert not await database_exists(prepared, settings)
        assert not (tmp_path / f"{stale}.lock").exists()  # forgotten once gone
        for kind in ("live", "busy", "makerun"):
            settings = namespaces[kind]
            assert await queue_exists(prepared, settings.queue_name("notifier")), kind
            assert await exchange_exists(prepared, settings.events_exchange), kind
            assert await database_exists(prepared, settings), kind
        assert (tmp_path / f"{busy}.lock").exists() and (tmp_path / f"{live}.lock").exists()
    finally:
        await consumer.close()
        os.close(held)

    # Once the orphan is gone, the next cleaning takes the busy one too (its lock file stayed).
    again = await countersign("infra", "--clean-test-namespaces", env=env)
    assert again.code == 0, again.err
    assert f"removed test namespace {busy}: 6 queue(s), 2 exchange(s), 1 database(s)" in again.out
    assert f"namespace {stale}:" not in again.out and makerun not in again.out
    assert not await queue_exists(prepared, namespaces["busy"].queue_name("audit"))
