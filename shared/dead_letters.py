"""Dead-letter queues, the operator's side: what each holds, and moving it back (`countersign dlq`).

Every consumer queue `<namespace>.<consumer>` dead-letters, through the dead-letter exchange, into
`<namespace>.<consumer>.dead` (shared/broker.py): poison messages and messages that used up their
delivery limit. Over AMQP, so it works wherever the services' broker credentials do (no
management plugin needed).

Replay moves each message back to the queue it died in — that queue only, through the default
exchange, not to every subscriber again — publishing with confirms before acking it on the dead
queue: a message is never lost, and a crash in between replays it twice, which the consumers'
processed-event tables make harmless. Only the messages there when the replay starts are moved, so
a message that dies again at once is not replayed in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from shared.broker import CONSUMERS
from shared.settings import Settings

# Set by the broker per delivery; a replayed message starts afresh in its queue.
_BROKER_DELIVERY_HEADERS = ("x-delivery-count",)


@dataclass(frozen=True)
class DeadMessage:
    message_id: str | None
    event_type: str | None  # the routing key it was first published with
    reason: str | None  # rejected (poison, or a handler that gave up) / delivery_limit / expired
    dead_at: datetime | None


@dataclass(frozen=True)
class DeadLetterQueue:
    consumer: str
    queue: str  # where replayed messages go
    dead_queue: str
    count: int
    messages: tuple[DeadMessage, ...] = ()


def consumer_of(settings: Settings, name: str) -> str | None:
    """The consumer a QUEUE argument names: `audit`, `countersign.audit` or `countersign.audit.dead`."""
    for consumer in CONSUMERS:
        queue = settings.queue_name(consumer)
        if name in (consumer, queue, queue + ".dead"):
            return consumer
    return None


def _death(message: AbstractIncomingMessage) -> dict[str, Any]:
    deaths = message.headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        return deaths[0]
    return {}


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def describe(message: AbstractIncomingMessage) -> DeadMessage:
    """What the broker recorded when it dead-lettered the message (its first `x-death` entry)."""
    death = _death(message)
    keys = death.get("routing-keys")
    at = death.get("time")
    return DeadMessage(
        message_id=message.message_id,
        event_type=_text(keys[0]) if isinstance(keys, list) and keys else None,
        reason=_text(death.get("reason")),
        dead_at=at if isinstance(at, datetime) else None,
    )


async def _dead_queue(channel: AbstractChannel, settings: Settings, consumer: str) -> aio_pika.abc.AbstractQueue | None:
    """The consumer's dead-letter queue, or None where it does not exist yet (no service of this
    namespace ever ran). Passive: the CLI never declares queues, whose arguments are the services'."""
    try:
        return await channel.declare_queue(settings.queue_name(consumer) + ".dead", passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return None


def _count(queue: aio_pika.abc.AbstractQueue | None) -> int:
    result = queue.declaration_result if queue is not None else None
    return int(result.message_count or 0) if result is not None else 0


async def list_dead_letters(
    connection: aio_pika.abc.AbstractConnection, settings: Settings, show: int
) -> list[DeadLetterQueue]:
    """Each consumer's dead-letter queue with its count and up to `show` of its messages, which
    stay where they are: they are read without an ack and go back when the channel closes."""
    out = []
    for consumer in CONSUMERS:
        # A channel each: a queue that does not exist closes the channel it was asked on.
        async with connection.channel() as channel:
            dead = await _dead_queue(channel, settings, consumer)
            messages = []
            for _ in range(min(show, _count(dead))):
                message = await dead.get(no_ack=False, fail=False) if dead is not None else None
                if message is None:
                    break
                messages.append(describe(message))
        name = settings.queue_name(consumer)
        out.append(DeadLetterQueue(consumer, name, name + ".dead", _count(dead), tuple(messages)))
    return out


def _replayed(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers = {k: v for k, v in message.headers.items() if k not in _BROKER_DELIVERY_HEADERS}
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        message_id=message.message_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class ReplayStopped(Exception):
    """A message could not be put back (the broker refused or returned it); it and the rest stay
    in the dead-letter queue."""

    def __init__(self, queue: str, moved: int, cause: BaseException) -> None:
        super().__init__(f"{queue} did not take the message back ({type(cause).__name__})")
        self.queue = queue
        self.moved = moved


async def replay(connection: aio_pika.abc.AbstractConnection, settings: Settings, consumer: str) -> int:
    """Move the messages now in `consumer`'s dead-letter queue back to its queue; returns how many.
    Raises `ReplayStopped` (with how many were moved before) if the queue does not take one."""
    queue = settings.queue_name(consumer)
    async with connection.channel(publisher_confirms=True, on_return_raises=True) as channel:
        dead = await _dead_queue(channel, settings, consumer)
        moved = 0
        for _ in range(_count(dead)):
            message = await dead.get(no_ack=False, fail=False) if dead is not None else None
            if message is None:
                break
            # Confirmed, and routable (mandatory: a missing queue raises), before the dead copy is
            # acked. If it raises, the unacked message returns to the dead-letter queue when the
            # channel closes.
            try:
                await channel.default_exchange.publish(
                    _replayed(message), routing_key=queue, mandatory=True, timeout=10
                )
            except (aio_pika.exceptions.DeliveryError, TimeoutError) as exc:
                raise ReplayStopped(queue, moved, exc) from exc
            await message.ack()
            moved += 1
    return moved
