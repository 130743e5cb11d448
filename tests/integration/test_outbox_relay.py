"""The outbox relay against real PostgreSQL and RabbitMQ: exactly-once publishing with several
relays, wake-up on NOTIFY, persistent messages, and no loss while the broker is away."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import tracing
from shared.broker import Broker
from shared.db import create_pool
from shared.outbox import OutboxRelay, record_event
from shared.settings import Settings
from tests.scratch import Tap, create_outbox_schema, delete_amqp_namespace, eventually, sample_event, scratch_settings
from tests.tcp_proxy import TcpProxy

SCHEMA = "relay_test"


@pytest.fixture(scope="module")
async def relay_settings(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "relay")
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


@pytest.fixture
async def pool(relay_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(relay_settings, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await create_outbox_schema(conn, SCHEMA)
    yield pool
    await pool.close()


@pytest.fixture
async def tap(relay_settings: Settings) -> AsyncIterator[Tap]:
    tap = await Tap.open(relay_settings)
    yield tap
    await tap.close()


class Running:
    """Relays started as background tasks, stopped (and their brokers closed) at the end."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []
        self.brokers: list[Broker] = []
        self.pools: list[asyncpg.Pool] = []

    async def relay(
        self, settings: Settings, pool: asyncpg.Pool | None = None, *, poll: float = 0.5, listen_url: str | None = None
    ) -> OutboxRelay:
        broker = Broker(settings)
        await broker.connect()
        self.brokers.append(broker)
        if pool is None:
            pool = await create_pool(settings, min_size=1, max_size=2)
            self.pools.append(pool)
        relay = OutboxRelay(pool, broker, SCHEMA, listen_url or settings.database_url, poll)
        self.tasks.append(asyncio.create_task(relay.run()))
        return relay

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for broker in self.brokers:
            await broker.close()
        for pool in self.pools:
            await pool.close()


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    running = Running()
    yield running
    await running.stop()


async def write_events(pool: asyncpg.Pool, count: int, per_tx: int = 1) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, per_tx):
        async with pool.acquire() as conn, conn.transaction():
            for n in range(start, min(start + per_tx, count)):
                event = sample_event(n)
                await record_event(conn, SCHEMA, event)
                ids.append(str(event.id))
    return ids


async def unpublished(pool: asyncpg.Pool) -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.outbox WHERE published_at IS NULL")


async def test_three_relays_publish_each_row_exactly_once(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running
) -> None:
    # Rows are there before the relays start and keep coming while they run, in batches larger
    # than one relay's batch, so the relays really compete for rows.
    ids = await write_events(pool, 150, per_tx=50)
    for _ in range(3):
        await running.relay(relay_settings)
    writer = asyncio.create_task(write_events(pool, 150, per_tx=3))
    ids += await writer

    async def all_published() -> bool:
        return await unpublished(pool) == 0

    await eventually(all_published, 30, "every outbox row to be published")
    # A row is marked published only after the broker confirmed it, so every message is
    # already queued now.
    await tap.drain()
    counts = Counter(tap.event_ids())
    assert set(counts) == set(ids)
    assert [i for i, n in counts.items() if n != 1] == []
    assert len(tap.messages) == 300


async def test_messages_are_persistent_and_carry_the_envelope(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running
) -> None:
    [event_id] = await write_events(pool, 1)
    await running.relay(relay_settings)
    [message] = await tap.wait_for(1)
    assert message.delivery_mode == 2  # persistent: survives a broker restart
    assert message.routing_key == "document.created"
    assert message.message_id == event_id
    assert message.content_type == "application/json"


async def test_with_tracing_off_no_trace_context_is_stored_or_sent(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running
) -> None:
    assert not tracing.enabled()
    [event_id] = await write_events(pool, 1)
    await running.relay(relay_settings)
    [message] = await tap.wait_for(1)
    assert message.message_id == event_id and "traceparent" not in (message.headers or {})
    assert await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.outbox WHERE trace_context IS NOT NULL") == 0


async def test_the_row_keeps_the_writers_trace_and_the_message_carries_it_on(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running
) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.enable(provider)
    try:
        with tracing.continued(None, "POST /api/v1/documents/{id}/send") as request_span:
            assert request_span is not None
            await write_events(pool, 1)
        await running.relay(relay_settings)
        [message] = await tap.wait_for(1)
    finally:
        tracing.disable()
        provider.shutdown()
    stored = await pool.fetchval(f"SELECT trace_context FROM {SCHEMA}.outbox")
    request = request_span.get_span_context()
    assert stored["traceparent"].split("-")[1:3] == [format(request.trace_id, "032x"), format(request.span_id, "016x")]
    # Published later by the relay, under the writer's trace, as the publish span's child.
    (publish,) = [s for s in spans.get_finished_spans() if s.name == "outbox publish document.created"]
    assert publish.parent is not None and publish.parent.span_id == request.span_id
    assert publish.context is not None
    _, trace_id, parent_id, _ = str((message.headers or {})["traceparent"]).split("-")
    assert (int(trace_id, 16), int(parent_id, 16)) == (request.trace_id, publish.context.span_id)


async def test_relay_wakes_on_notify(relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running) -> None:
    # Polling every 30 s: anything arriving well before that was woken by NOTIFY.
    relay = await running.relay(relay_settings, pool, poll=30)
    await asyncio.wait_for(relay.listening.wait(), 10)
    first = await write_events(pool, 1)
    await tap.wait_for(1, timeout=10)
    # The first one could have ridden on the listener's catch-up pass; the second cannot.
    second = await write_events(pool, 1)
    await tap.wait_for(2, timeout=10)
    assert tap.event_ids() == first + second


async def test_rows_wait_while_the_broker_is_away(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = await TcpProxy("127.0.0.1", 5672).start()
    try:
        via_proxy = relay_settings.model_copy(
            update={"amqp_url": f"amqp://guest:guest@127.0.0.1:{proxy.port}/?reconnect_interval=0.3"}
        )
        await running.relay(via_proxy, pool, poll=0.2)
        await write_events(pool, 1)
        await tap.wait_for(1)

        async def first_recorded() -> bool:
            # The tap can see the message before the relay has its confirm and commits; an
            # outage in between would (rightly) leave that row to be published again.
            return await unpublished(pool) == 0

        await eventually(first_recorded, 10, "the first row to be marked published")
        proxy.outage()
        with caplog.at_level(logging.WARNING, logger="countersign.outbox"):
            ids = await write_events(pool, 5)

            async def publish_failed() -> bool:
                return any(
                    r.name == "countersign.outbox" and r.msg == "outbox publish failed; will retry"
                    for r in caplog.records
                )

            await eventually(publish_failed, 20, "the relay to try and fail to publish")
        assert await unpublished(pool) == 5
        assert len(await tap.drain()) == 1

        await proxy.accept()

        async def all_published() -> bool:
            return await unpublished(pool) == 0

        await eventually(all_published, 30, "the held rows to be published after the broker is back")
        await tap.wait_for(6)
        assert Counter(tap.event_ids()[1:]) == Counter(ids)
    finally:
        await proxy.close()


async def test_listen_connection_comes_back_after_postgres_drops_it(
    relay_settings: Settings, pool: asyncpg.Pool, tap: Tap, running: Running
) -> None:
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    try:
        listen_url = relay_settings.database_url.replace(":5432/", f":{proxy.port}/")
        assert str(proxy.port) in listen_url
        # Polling every 30 s: within the test's waits only NOTIFY (or the listener's catch-up
        # pass after it reconnects) can move a row.
        relay = await running.relay(relay_settings, pool, poll=30, listen_url=listen_url)
        await asyncio.wait_for(relay.listening.wait(), 10)
        await write_events(pool, 1)
        await tap.wait_for(1, timeout=10)

        # PostgreSQL restarts: the LISTEN session is cut and, for a moment, nothing connects.
        proxy.outage()

        async def lost() -> bool:
            return not relay.listening.is_set()

        await eventually(lost, 10, "the relay to notice its LISTEN connection is gone")
        written_while_away = await write_events(pool, 1)
        await proxy.accept()

        async def back() -> bool:
            return relay.listening.is_set()

        await eventually(back, 15, "the LISTEN connection to be reopened")
        await tap.wait_for(2, timeout=10)  # the catch-up pass after reconnecting
        after = await write_events(pool, 1)
        await tap.wait_for(3, timeout=10)  # a NOTIFY on the new connection
        assert tap.event_ids()[1:] == written_while_away + after
    finally:
        await proxy.close()
