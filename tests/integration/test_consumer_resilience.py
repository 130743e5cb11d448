"""Consumers survive their RabbitMQ and PostgreSQL connections breaking, without a restart.

Outages are simulated with a TCP proxy between the consumer and the real server (the real
servers are shared and never stopped): the proxy drops every connection and refuses new ones,
then accepts again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import aio_pika
import asyncpg
import pytest

from shared.broker import Broker, Consumer
from shared.db import create_pool
from shared.events import Event
from shared.settings import Settings
from tests.scratch import create_outbox_schema, delete_amqp_namespace, eventually, sample_event, scratch_settings
from tests.tcp_proxy import TcpProxy

SCHEMA = "resilience_test"


@pytest.fixture(scope="module")
async def resilience_settings(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "resilience")
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


@pytest.fixture
async def pool(resilience_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A direct pool, for the test's own reads and writes."""
    pool = await create_pool(resilience_settings, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await create_outbox_schema(conn, SCHEMA)
    yield pool
    await pool.close()


@pytest.fixture
async def publisher(resilience_settings: Settings) -> AsyncIterator[Broker]:
    broker = Broker(resilience_settings)
    await broker.connect()
    yield broker
    await broker.close()


async def record_effect(conn: asyncpg.Connection, event: Event) -> None:
    """The handler under test: one row per handled event, in the consumer's transaction."""
    await conn.execute(f"INSERT INTO {SCHEMA}.effects (event_id) VALUES ($1)", event.id)


async def effects(pool: asyncpg.Pool, event_id: uuid.UUID) -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.effects WHERE event_id = $1", event_id)


async def publish_and_expect(publisher: Broker, pool: asyncpg.Pool, n: int, timeout: float = 20) -> uuid.UUID:
    event = sample_event(n)
    await publisher.publish(event.type, event.model_dump(mode="json"))

    async def handled() -> bool:
        return await effects(pool, event.id) == 1

    await eventually(handled, timeout, f"event {n} to be handled")
    return event.id


async def test_consumer_resumes_after_rabbitmq_connections_drop(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker
) -> None:
    proxy = await TcpProxy("127.0.0.1", 5672).start()
    via_proxy = resilience_settings.model_copy(
        update={"amqp_url": f"amqp://guest:guest@127.0.0.1:{proxy.port}/?reconnect_interval=0.3"}
    )
    broker = Broker(via_proxy)
    try:
        await broker.connect()
        await Consumer(broker, pool, "audit", SCHEMA, record_effect).start()
        await publish_and_expect(publisher, pool, 1)

        # RabbitMQ "restarts": every connection breaks and, for a while, nothing connects.
        connections_before = proxy.accepted
        proxy.outage()
        queued_meanwhile = sample_event(2)
        await publisher.publish(queued_meanwhile.type, queued_meanwhile.model_dump(mode="json"))

        async def broker_noticed() -> bool:
            return broker.connection is not None and not broker.connection.connected.is_set()

        await eventually(broker_noticed, 10, "the consumer's connection to notice the outage")
        assert await effects(pool, queued_meanwhile.id) == 0
        await proxy.accept()

        async def reconnected() -> bool:
            return proxy.accepted > connections_before

        await eventually(reconnected, 20, "the consumer to reconnect")

        # The event queued during the outage and a new one are both consumed, once each.
        async def held_event_handled() -> bool:
            return await effects(pool, queued_meanwhile.id) == 1

        await eventually(held_event_handled, 20, "the event queued during the outage to be handled")
        await publish_and_expect(publisher, pool, 3)

        # The publishing channel is restored too (the readiness check reads it); under load its
        # restore can finish a moment after the consumer's.
        async def ready() -> bool:
            try:
                await broker.check()
            except ConnectionError:
                return False
            return True

        await eventually(ready, 20, "the broker's publishing channel to be restored")
    finally:
        await broker.close()
        await proxy.close()


async def test_consumer_holds_event_while_postgres_is_away(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    db_via_proxy = resilience_settings.model_copy(
        update={"database_url": resilience_settings.database_url.replace(":5432/", f":{proxy.port}/")}
    )
    assert str(proxy.port) in db_via_proxy.database_url
    consumer_pool = await create_pool(db_via_proxy, min_size=1, max_size=2)
    broker = Broker(resilience_settings)
    try:
        await broker.connect()
        await Consumer(broker, consumer_pool, "audit", SCHEMA, record_effect).start()
        await publish_and_expect(publisher, pool, 1)

        # PostgreSQL "restarts": pooled connections break, new ones are refused.
        proxy.outage()
        held = sample_event(2)
        with caplog.at_level(logging.WARNING, logger="countersign.broker"):
            await publisher.publish(held.type, held.model_dump(mode="json"))

            async def holding() -> bool:
                return any(
                    r.name == "countersign.broker" and r.msg == "database unavailable; holding event"
                    for r in caplog.records
                )

            await eventually(holding, 20, "the consumer to hold the event while the database is away")
        assert await effects(pool, held.id) == 0

        await proxy.accept()

        async def handled() -> bool:
            return await effects(pool, held.id) == 1

        await eventually(handled, 30, "the held event to be handled once the database is back")
        # Nothing burned the delivery limit: it did not reach the dead-letter queue, it was
        # handled exactly once, and the consumer goes on with new events.
        await publish_and_expect(publisher, pool, 3)
        assert await effects(pool, held.id) == 1
        assert await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.processed_events WHERE event_id = $1", held.id) == 1
        assert not [r for r in caplog.records if r.name == "countersign.broker" and r.levelno >= logging.ERROR]
    finally:
        await broker.close()
        await consumer_pool.close()
        await proxy.close()


async def test_redelivered_event_is_handled_once(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    broker = Broker(resilience_settings)
    try:
        await broker.connect()
        await Consumer(broker, pool, "audit", SCHEMA, record_effect).start()
        event_id = await publish_and_expect(publisher, pool, 1)
        # The same envelope again, as after an ack lost with its connection.
        again = sample_event(1).model_copy(update={"id": event_id})
        with caplog.at_level(logging.INFO, logger="countersign.broker"):
            await publisher.publish(again.type, again.model_dump(mode="json"))

            async def skipped() -> bool:
                return any(
                    r.name == "countersign.broker"
                    and r.msg == "duplicate event skipped"
                    and getattr(r, "fields", {}).get("eventId") == str(event_id)  # set by log_fields
                    for r in caplog.records
                )

            await eventually(skipped, 20, "the redelivered event to be skipped")
        assert await effects(pool, event_id) == 1
        await publish_and_expect(publisher, pool, 2)
    finally:
        await broker.close()


async def test_backend_terminated_mid_handler_is_held_not_failed(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """A PostgreSQL restart kills sessions with "terminating connection due to administrator
    command"; that is the database being away, not a bad message: the event is held and retried,
    not rejected towards the dead-letter queue."""
    backend_pids: list[int] = []

    async def slow_first_time(conn: asyncpg.Connection, event: Event) -> None:
        if not backend_pids:
            backend_pids.append(await conn.fetchval("SELECT pg_backend_pid()"))
            await conn.execute("SELECT pg_sleep(60)")
        await record_effect(conn, event)

    broker = Broker(resilience_settings)
    try:
        await broker.connect()
        await Consumer(broker, pool, "audit", SCHEMA, slow_first_time).start()
        event = sample_event(1)
        with caplog.at_level(logging.INFO, logger="countersign.broker"):
            await publisher.publish(event.type, event.model_dump(mode="json"))

            async def in_handler() -> bool:
                return bool(backend_pids)

            await eventually(in_handler, 20, "the handler to start")
            assert await pool.fetchval("SELECT pg_terminate_backend($1)", backend_pids[0])

            async def handled() -> bool:
                return await effects(pool, event.id) == 1

            await eventually(handled, 20, "the event to be handled after the session was killed")
        failures = [r for r in caplog.records if r.name == "countersign.broker" and r.levelno >= logging.ERROR]
        assert failures == [], [r.msg for r in failures]
        assert any(r.msg == "database unavailable; holding event" for r in caplog.records)
    finally:
        await broker.close()


async def test_both_servers_restart_while_an_event_is_held(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL goes away with an event in hand, then RabbitMQ drops the connection too: the
    held delivery can no longer be acked and is abandoned; after both are back the event,
    redelivered by the broker, is handled exactly once."""
    pg_proxy = await TcpProxy("127.0.0.1", 5432).start()
    mq_proxy = await TcpProxy("127.0.0.1", 5672).start()
    settings = resilience_settings.model_copy(
        update={
            "database_url": resilience_settings.database_url.replace(":5432/", f":{pg_proxy.port}/"),
            "amqp_url": f"amqp://guest:guest@127.0.0.1:{mq_proxy.port}/?reconnect_interval=0.3",
        }
    )
    consumer_pool = await create_pool(settings, min_size=1, max_size=2)
    broker = Broker(settings)
    try:
        await broker.connect()
        await Consumer(broker, consumer_pool, "audit", SCHEMA, record_effect).start()
        await publish_and_expect(publisher, pool, 1)

        pg_proxy.outage()
        held = sample_event(2)
        with caplog.at_level(logging.INFO, logger="countersign.broker"):
            await publisher.publish(held.type, held.model_dump(mode="json"))

            def logged(message: str) -> bool:
                return any(r.name == "countersign.broker" and r.msg == message for r in caplog.records)

            async def holding() -> bool:
                return logged("database unavailable; holding event")

            await eventually(holding, 20, "the consumer to hold the event")
            mq_proxy.outage()

            async def broker_noticed() -> bool:
                return broker.connection is not None and not broker.connection.connected.is_set()

            # The held delivery dies with its channel (aio-pika cancels the callback, or the
            # consumer lets go at its next retry); the broker keeps the unacked message.
            await eventually(broker_noticed, 10, "the consumer's connection to notice the outage")

        await pg_proxy.accept()
        await mq_proxy.accept()

        async def handled() -> bool:
            return await effects(pool, held.id) == 1

        await eventually(handled, 30, "the redelivered event to be handled")
        await publish_and_expect(publisher, pool, 3)
        assert await effects(pool, held.id) == 1
    finally:
        await broker.close()
        await consumer_pool.close()
        await pg_proxy.close()
        await mq_proxy.close()


async def dead_letters(settings: Settings, consumer: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(settings.queue_name(consumer) + ".dead")
        out = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            out.append(message)
        return out


async def test_poison_and_failing_messages_are_dead_lettered(
    resilience_settings: Settings, pool: asyncpg.Pool, publisher: Broker
) -> None:
    failing = sample_event(99)

    async def fails_on_99(conn: asyncpg.Connection, event: Event) -> None:
        if event.id == failing.id:
            raise ValueError("this event cannot be handled")
        await record_effect(conn, event)

    await dead_letters(resilience_settings, "audit")  # start from an empty dead-letter queue
    broker = Broker(resilience_settings)
    try:
        await broker.connect()
        await Consumer(broker, pool, "audit", SCHEMA, fails_on_99).start()
        raw = await aio_pika.connect(resilience_settings.amqp_url)
        async with raw:
            exchange = await (await raw.channel()).get_exchange(resilience_settings.events_exchange)
            await exchange.publish(
                aio_pika.Message(b"{not json", message_id="poison-1"), routing_key="document.created"
            )
        await publisher.publish(failing.type, failing.model_dump(mode="json"))

        found: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def both_dead() -> bool:
            found.extend(await dead_letters(resilience_settings, "audit"))
            return len(found) >= 2

        await eventually(both_dead, 30, "the poison and the failing message in the dead-letter queue")
        assert sorted(m.message_id or "" for m in found) == sorted(["poison-1", str(failing.id)])
        # Neither had an effect, and the consumer still handles good events.
        assert await effects(pool, failing.id) == 0
        assert (
            await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.processed_events WHERE event_id = $1", failing.id) == 0
        )
        await publish_and_expect(publisher, pool, 100)
    finally:
        await broker.close()
