"""A consumer's deliveries, redeliveries and dead letters, counted by queue (countersign_consumer_*
in the scrape of the service that consumes), and its dead-letter queue's depth as a scrape reads
it: a real quorum queue with its delivery limit, a handler that always fails on one event."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import asyncpg
import pytest
from prometheus_client import REGISTRY

from shared.broker import Broker, Consumer, dead_letter_depth
from shared.db import create_pool
from shared.events import Event
from shared.settings import Settings
from tests.scratch import create_outbox_schema, delete_amqp_namespace, eventually, sample_event, scratch_settings

SCHEMA = "consumer_metrics_test"


@pytest.fixture
async def scratch(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "consumer_metrics")
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_deliveries_redeliveries_and_dead_letters_are_counted_by_queue(scratch: Settings) -> None:
    queue = scratch.queue_name("audit")
    failing = sample_event(1)
    handled: list[Event] = []

    async def fails_on_one(conn: asyncpg.Connection, event: Event) -> None:
        if event.id == failing.id:
            raise ValueError("this event cannot be handled")
        handled.append(event)

    pool = await create_pool(scratch, min_size=1, max_size=2)
    broker = Broker(scratch)
    try:
        async with pool.acquire() as conn:
            await create_outbox_schema(conn, SCHEMA)
        await broker.connect()
        assert await dead_letter_depth(broker, "audit") == 0
        await Consumer(broker, pool, "audit", SCHEMA, fails_on_one).start()

        raw = await aio_pika.connect(scratch.amqp_url)
        async with raw:
            exchange = await (await raw.channel()).get_exchange(scratch.events_exchange)
            await exchange.publish(aio_pika.Message(b"{not json", message_id="poison"), routing_key="document.created")
        await broker.publish(failing.type, failing.model_dump(mode="json"))
        good = sample_event(2)
        await broker.publish(good.type, good.model_dump(mode="json"))

        async def both_dead() -> bool:
            return await dead_letter_depth(broker, "audit") == 2

        await eventually(both_dead, 30, "the poison and the failing message in the dead-letter queue")
        assert [e.id for e in handled] == [good.id]

        limit = scratch.consumer_delivery_limit
        # The failing event: its first delivery and `limit` more, each failed; then dead-lettered.
        assert counted("countersign_consumer_deliveries_total", queue=queue) == 1 + (limit + 1) + 1
        assert counted("countersign_consumer_redeliveries_total", queue=queue) == limit
        assert counted("countersign_consumer_dead_letters_total", queue=queue, reason="poison") == 1
        assert counted("countersign_consumer_dead_letters_total", queue=queue, reason="delivery_limit") == 1
    finally:
        await broker.close()
        await pool.close()
