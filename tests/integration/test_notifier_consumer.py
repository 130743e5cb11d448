"""The notifier's consumer against real RabbitMQ and PostgreSQL: dedupe and dead-lettering.

Messages go straight to the notifier's queue (default exchange, routing key = queue name) rather
than through the topic exchange, so the audit queue never sees these synthetic events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aio_pika
import asyncpg
import pytest

from services.notifier.app import create_app
from shared.broker import Broker
from shared.events import Actor, Event
from shared.settings import Settings
from tests.harness import RunningService, _listening_socket, serve

WAIT_SECONDS = 20


@pytest.fixture(scope="module")
async def notifier(prepared: Settings) -> AsyncIterator[RunningService]:
    service = await serve("notifier", create_app(prepared), _listening_socket())
    yield service
    await service.runner.cleanup()


@pytest.fixture(scope="module")
async def channel(prepared: Settings) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    broker = Broker(prepared)
    await broker.connect()  # declares the topology, so the queues exist before we publish
    assert broker.connection is not None
    yield await broker.connection.channel(publisher_confirms=True)
    await broker.close()


async def _to_notifier_queue(
    channel: aio_pika.abc.AbstractChannel, settings: Settings, body: bytes, message_id: str
) -> None:
    message = aio_pika.Message(
        body, content_type="application/json", message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT
    )
    await channel.default_exchange.publish(message, routing_key=settings.queue_name("notifier"), mandatory=True)


async def _eventually(predicate, what: str):  # type: ignore[no-untyped-def]
    for _ in range(WAIT_SECONDS * 10):
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_readiness_does_not_depend_on_smtp(notifier: RunningService, http) -> None:  # type: ignore[no-untyped-def]
    async with http.get(notifier.url + "/readyz") as resp:
        body = await resp.json()
    assert resp.status == 200, body
    assert body["checks"] == {"postgres": "ok", "rabbitmq": "ok"}


async def test_event_published_twice_is_processed_once(
    notifier: RunningService,
    channel: aio_pika.abc.AbstractChannel,
    prepared: Settings,
    db: asyncpg.Pool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="countersign.broker")
    event = Event(
        type="document.updated",
        orgId="org_notifytest",
        documentId="doc_notifytest",
        actor=Actor(type="api_key", id="key_notifytest", ip="203.0.113.7", userAgent="pytest"),
        data={"changes": ["name"]},
    )
    body = event.model_dump_json().encode()

    await _to_notifier_queue(channel, prepared, body, str(event.id))
    await _to_notifier_queue(channel, prepared, body, str(event.id))

    async def duplicate_skipped() -> bool:
        return any(
            r.getMessage() == "duplicate event skipped" and getattr(r, "fields", {}).get("eventId") == str(event.id)
            for r in caplog.records
        )

    # The second delivery reached the consumer and was recognised as already handled ...
    await _eventually(duplicate_skipped, "the duplicate delivery to be skipped")
    # ... and the event was recorded exactly once, with its type.
    rows = await db.fetch("SELECT event_type FROM notifier.processed_events WHERE event_id = $1", event.id)
    assert [r["event_type"] for r in rows] == ["document.updated"]


async def test_poison_message_is_dead_lettered(
    notifier: RunningService,
    channel: aio_pika.abc.AbstractChannel,
    prepared: Settings,
) -> None:
    dead_queue = await channel.declare_queue(prepared.queue_name("notifier") + ".dead", passive=True)
    # The session's namespace is shared: another test's poison message may be waiting there.
    await dead_queue.purge()
    await _to_notifier_queue(channel, prepared, b"this is not JSON {", "poison-1")

    async def dead_lettered():  # type: ignore[no-untyped-def]
        return await dead_queue.get(no_ack=True, fail=False)

    message = await _eventually(dead_lettered, "the poison message in the dead-letter queue")
    assert message.body == b"this is not JSON {"
    assert message.message_id == "poison-1"
    # Rejected once and for all: it is not waiting in the notifier's queue for another try.
    queue = await channel.declare_queue(prepared.queue_name("notifier"), passive=True)
    assert queue.declaration_result.message_count == 0
