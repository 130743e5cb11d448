"""Scratch infrastructure for tests of the shared event plumbing (outbox relay, consumers).

Those tests run their own relays and consumers, so they must not share the `system` fixture's
outbox table, exchange or queues (its relay and consumers would take their rows and messages).
They get a scratch schema in the test database and a scratch AMQP namespace, both derived from
the test namespace and removed again afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
import asyncpg
import orjson

from shared.broker import CONSUMERS, dead_letter_exchange
from shared.events import Actor, Event
from shared.settings import Settings


async def create_outbox_schema(conn: asyncpg.Connection, schema: str) -> None:
    """An outbox table shaped like documents.outbox, plus processed_events for consumers, and
    an `effects` table a test handler writes to (its visible, countable outcome)."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await conn.execute(
        f"""CREATE SCHEMA {schema};
            CREATE TABLE {schema}.outbox (
                seq bigserial PRIMARY KEY,
                event_id uuid NOT NULL UNIQUE,
                event_type text NOT NULL,
                body jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                published_at timestamptz,
                trace_context jsonb);
            CREATE TABLE {schema}.processed_events (
                event_id uuid PRIMARY KEY,
                event_type text NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE {schema}.effects (
                event_id uuid NOT NULL,
                at timestamptz NOT NULL DEFAULT now());"""
    )


def scratch_settings(settings: Settings, suffix: str, **overrides: object) -> Settings:
    return settings.model_copy(update={"amqp_namespace": f"{settings.amqp_namespace}_{suffix}", **overrides})


async def delete_amqp_namespace(settings: Settings) -> None:
    connection = await aio_pika.connect(settings.amqp_url.split("?")[0])
    async with connection:
        channel = await connection.channel()
        for consumer in CONSUMERS:
            for name in (settings.queue_name(consumer), settings.queue_name(consumer) + ".dead"):
                await channel.queue_delete(name)
        await channel.exchange_delete(settings.events_exchange)
        await channel.exchange_delete(dead_letter_exchange(settings))


def sample_event(n: int = 0, org_id: str = "org_scratch") -> Event:
    return Event(type="document.created", orgId=org_id, documentId=f"doc{n}", actor=Actor(type="system"), data={"n": n})


class Tap:
    """A private queue bound to the events exchange: sees every message published to it."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, queue: aio_pika.abc.AbstractQueue) -> None:
        self.connection = connection
        self.queue = queue
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    @classmethod
    async def open(cls, settings: Settings) -> Tap:
        connection = await aio_pika.connect(settings.amqp_url.split("?")[0])
        channel = await connection.channel()
        exchange = await channel.declare_exchange(settings.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")
        return cls(connection, queue)

    async def drain(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        """Take every message currently in the queue."""
        while (message := await self.queue.get(no_ack=True, fail=False)) is not None:
            self.messages.append(message)
        return self.messages

    def event_ids(self) -> list[str]:
        return [orjson.loads(m.body)["id"] for m in self.messages]

    async def wait_for(self, count: int, timeout: float = 15) -> list[aio_pika.abc.AbstractIncomingMessage]:
        async def enough() -> bool:
            return len(await self.drain()) >= count

        await eventually(enough, timeout, f"{count} messages on the tap queue")
        return self.messages

    async def close(self) -> None:
        await self.connection.close()


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll until `condition` holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def new_id() -> str:
    return uuid.uuid4().hex[:8]
