"""RabbitMQ: one durable topic exchange, quorum queues with dead-lettering, confirmed publishes,
and idempotent consumers.

Topology is declared in one place (`declare_topology`) by publishers and consumers alike, so an
event published before a consumer first starts is already queued for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import asyncpg
import orjson
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustConnection
from aiohttp import web
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from shared.events import Event
from shared.logging import log_fields, request_id_var
from shared.metrics import CONSUMER_DEAD_LETTERS, CONSUMER_DELIVERIES, CONSUMER_REDELIVERIES
from shared.processed import SelfRecording, processed_insert
from shared.settings import Settings
from shared.shutdown import Grace
from shared.tracing import continued, current_carrier

log = logging.getLogger("countersign.broker")

# Every consumer of the system and the routing keys it binds. Publishers declare these queues
# too, so nothing published before a consumer's first start is dropped.
CONSUMERS: dict[str, tuple[str, ...]] = {
    "audit": ("#",),
    "notifier": ("#",),
    "documents": ("signer.delivery_failed",),  # a bounce puts the document on hold (action_required)
}

EventHandler = Callable[[asyncpg.Connection, Event], Awaitable[None]]

# Errors that mean "the database is away", not "this message is bad": the message is held and
# retried until the database is back, instead of burning its delivery limit.
# OperatorInterventionError covers a server shutting down or restarting under a session
# (AdminShutdownError, CrashShutdownError) and one still starting (CannotConnectNowError).
_INFRA_ERRORS = (
    OSError,  # includes refused connections and timeouts
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
)


def dead_letter_exchange(settings: Settings) -> str:
    return f"{settings.amqp_namespace}.dead"


def queue_arguments(settings: Settings, consumer: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": settings.consumer_delivery_limit,
        "x-dead-letter-exchange": dead_letter_exchange(settings),
        "x-dead-letter-routing-key": settings.queue_name(consumer),
    }


async def declare_topology(channel: aio_pika.abc.AbstractChannel, settings: Settings) -> aio_pika.abc.AbstractExchange:
    exchange = await channel.declare_exchange(settings.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    dead = await channel.declare_exchange(dead_letter_exchange(settings), aio_pika.ExchangeType.DIRECT, durable=True)
    for consumer, keys in CONSUMERS.items():
        name = settings.queue_name(consumer)
        queue = await channel.declare_queue(name, durable=True, arguments=queue_arguments(settings, consumer))
        for key in keys:
            await queue.bind(exchange, routing_key=key)
        dead_queue = await channel.declare_queue(f"{name}.dead", durable=True, arguments={"x-queue-type": "quorum"})
        await dead_queue.bind(dead, routing_key=name)
    return exchange


class Broker:
    """One robust connection per process; a confirming channel for publishing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def connect(self) -> None:
        self.connection = await aio_pika.connect_robust(
            self.settings.amqp_url, client_properties={"connection_name": "countersign"}
        )
        self._channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)  # type: ignore[assignment]
        self._exchange = await declare_topology(self._channel, self.settings)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def publish(self, routing_key: str, body: dict[str, Any]) -> None:
        assert self._exchange is not None, "Broker.connect() first"
        # The active trace (the relay's publish span) travels as W3C headers; none when off.
        headers: dict[str, Any] | None = current_carrier()
        message = aio_pika.Message(
            orjson.dumps(body),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(body.get("id")),
            headers=headers,
        )
        # Returns only after the broker confirms; an unroutable message raises.
        await self._exchange.publish(message, routing_key=routing_key, mandatory=True, timeout=10)

    async def check(self) -> None:
        if self.connection is None or self.connection.is_closed or self._channel is None or self._channel.is_closed:
            raise ConnectionError("RabbitMQ connection is closed")


BROKER: web.AppKey[Broker] = web.AppKey("broker", Broker)


async def dead_letter_depth(broker: Broker, consumer: str) -> int:
    """Messages waiting in a consumer's dead-letter queue. Asked on a channel of its own: a
    passive declare that fails closes its channel, which must never be the publishing one."""
    assert broker.connection is not None, "Broker.connect() first"
    channel = await broker.connection.channel()
    try:
        queue = await channel.declare_queue(broker.settings.queue_name(consumer) + ".dead", passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await channel.close()


def last_delivery_allowed(message: AbstractIncomingMessage, delivery_limit: int) -> bool:
    """Whether requeueing this delivery dead-letters it: a quorum queue counts the earlier
    failed deliveries of a message in `x-delivery-count` (absent on the first) and dead-letters
    it once that count would pass `x-delivery-limit`."""
    earlier = (message.headers or {}).get("x-delivery-count") or 0
    return isinstance(earlier, int) and earlier >= delivery_limit


def broker_ctx(settings: Settings):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        broker = Broker(settings)
        await broker.connect()
        app[BROKER] = broker
        yield
        await broker.close()

    return ctx


class _StopHolding(Exception):
    """The held message can no longer be settled, or the consumer is shutting down."""


def _channel_closed(message: AbstractIncomingMessage) -> bool:
    try:
        return message.channel.is_closed
    except aio_pika.exceptions.ChannelInvalidStateError:
        return True


class Consumer:
    """Consumes one service's queue; runs the handler once per event id.

    The handler runs in a transaction that also records the event id in
    `<schema>.processed_events` (a `SelfRecording` handler writes that record itself, in its
    effect's statements: shared/processed.py); the message is acked only after that commits, so
    a redelivered event is skipped and a crash before commit means the event is handled again.
    """

    def __init__(
        self,
        broker: Broker,
        pool: asyncpg.Pool,
        consumer: str,
        schema: str,
        handler: EventHandler | SelfRecording,
        prefetch: int = 20,
    ) -> None:
        self._broker = broker
        self._pool = pool
        self._consumer = consumer
        self._schema = schema
        self._handler = handler
        self._prefetch = prefetch
        # The messages being handled now, so a graceful stop can let them finish (or cut them short).
        self._in_flight: set[asyncio.Task[object]] = set()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        assert self._broker.connection is not None
        channel = await self._broker.connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        await declare_topology(channel, self._broker.settings)
        self._queue = await channel.get_queue(self._broker.settings.queue_name(self._consumer))
        self._consumer_tag = await self._queue.consume(self._on_message)

    async def stop(self, grace: Grace | None = None) -> None:
        """Stop taking new messages, then let the ones being handled finish and be acked within
        the grace, before the resources the handler uses are closed. A handler still running
        when the grace ends is cancelled: its transaction rolls back and the broker redelivers
        the message (to another replica, or to this one when it is back)."""
        self._stopping.set()  # a message held for the database is let go at once (see below)
        try:
            await self._queue.cancel(self._consumer_tag)
        except Exception as exc:  # the connection may already be gone; the broker requeues anyway
            log.warning("consumer cancel failed", extra=log_fields(consumer=self._consumer, error=repr(exc)))
        if not self._in_flight:
            return
        _, late = await asyncio.wait(set(self._in_flight), timeout=(grace or Grace(0)).remaining())
        for task in late:
            task.cancel()
        if late:
            log.warning(
                "messages cut short at shutdown; the broker will redeliver them", extra=log_fields(count=len(late))
            )
            await asyncio.gather(*late, return_exceptions=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            await self._handle_message(message)
        finally:
            self._in_flight.discard(task)

    async def _handle_message(self, message: AbstractIncomingMessage) -> None:
        queue = self._broker.settings.queue_name(self._consumer)
        CONSUMER_DELIVERIES.labels(queue).inc()
        if message.redelivered:
            CONSUMER_REDELIVERIES.labels(queue).inc()
        try:
            event = Event.model_validate(orjson.loads(message.body))
        except (orjson.JSONDecodeError, ValidationError, ValueError) as exc:
            log.error("poison message dead-lettered", extra=log_fields(error=str(exc)[:500], consumer=self._consumer))
            CONSUMER_DEAD_LETTERS.labels(queue, "poison").inc()
            await self._settle(message.reject(requeue=False), message.message_id)
            return
        token = request_id_var.set(event.requestId)
        span = continued(
            message.headers,
            f"{self._consumer} process {event.type}",
            SpanKind.CONSUMER,
            {
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "process",
                "messaging.destination.name": queue,
                "messaging.rabbitmq.destination.routing_key": message.routing_key or "",
                "messaging.message.id": str(event.id),
            },
        )
        try:
            with span:
                await self._handle_and_settle(event, message, queue)
        finally:
            request_id_var.reset(token)

    async def _handle_and_settle(self, event: Event, message: AbstractIncomingMessage, queue: str) -> None:
        try:
            await self._handle_until_database_answers(event, message)
        except _StopHolding:
            log.info(
                "stopped holding event; the broker will redeliver it",
                extra=log_fields(eventId=str(event.id), type=event.type),
            )
            return
        except Exception:
            last = last_delivery_allowed(message, self._broker.settings.consumer_delivery_limit)
            log.exception(
                "event handler failed on its last delivery; dead-lettered"
                if last
                else "event handler failed; will be redelivered",
                extra=log_fields(eventId=str(event.id), type=event.type),
            )
            if last:
                CONSUMER_DEAD_LETTERS.labels(queue, "delivery_limit").inc()
            await self._settle(message.reject(requeue=True), str(event.id))
            return
        await self._settle(message.ack(), str(event.id))

    @staticmethod
    async def _settle(outcome: Awaitable[None], event_id: str | None) -> None:
        """Ack or reject; if the channel went away meanwhile, the broker redelivers the message
        on its own (and a handled event is then skipped as a duplicate)."""
        try:
            await outcome
        except (
            aio_pika.exceptions.AMQPError,
            ConnectionError,
            RuntimeError,
        ) as exc:  # RuntimeError: ChannelInvalidStateError
            log.warning(
                "could not settle message; the broker will redeliver it",
                extra=log_fields(eventId=event_id, error=repr(exc)),
            )

    async def _handle_until_database_answers(self, event: Event, message: AbstractIncomingMessage) -> None:
        delay = 0.5
        while True:
            try:
                await self.handle_once(event)
                return
            except _INFRA_ERRORS as exc:
                # Holding only makes sense while the message can still be acked and the
                # consumer is still running; otherwise the broker hands it out again anyway.
                # (A graceful stop does not wait for the database: the held message makes no
                # progress, and another replica or the next start gets it.)
                if self._pool.is_closing() or _channel_closed(message) or self._stopping.is_set():
                    raise _StopHolding from exc
                log.warning(
                    "database unavailable; holding event", extra=log_fields(eventId=str(event.id), error=repr(exc))
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stopping.wait()
                delay = min(delay * 2, 10)

    async def handle_once(self, event: Event) -> bool:
        """Handle the event unless already handled; returns whether the handler ran."""
        if isinstance(self._handler, SelfRecording):
            handled = await self._handler.handle(self._pool, event)
        else:
            handled = await self._in_transaction(self._handler, event)
        if not handled:
            log.info("duplicate event skipped", extra=log_fields(eventId=str(event.id), type=event.type))
        return handled

    async def _in_transaction(self, handler: EventHandler, event: Event) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(processed_insert(self._schema), event.id, event.type):
                return False
            await handler(conn, event)
            return True
