"""`countersign dlq list | replay QUEUE`: the consumers' dead-letter queues (shared/dead_letters.py).

Talks AMQP to the broker at AMQP_URL, in the namespace AMQP_NAMESPACE, as the services do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aio_pika

from shared.broker import CONSUMERS
from shared.dead_letters import DeadLetterQueue, ReplayStopped, consumer_of, list_dead_letters, replay
from shared.settings import Settings, get_settings

T = TypeVar("T")


async def _with_broker(settings: Settings, fn: Callable[[aio_pika.abc.AbstractConnection], Awaitable[T]]) -> T:
    from services.devstack.infra import RABBITMQ_START, _quiet, where

    with _quiet("aiormq", "aio_pika"):
        try:
            connection = await asyncio.wait_for(aio_pika.connect(settings.amqp_url, timeout=5), timeout=10)
        except Exception as exc:
            raise SystemExit(
                f"RabbitMQ is not reachable at {where(settings.amqp_url, 5672)} ({type(exc).__name__}); "
                f"start it with: {RABBITMQ_START} (or set AMQP_URL)"
            ) from None
    async with connection:
        return await fn(connection)


def as_json(queue: DeadLetterQueue) -> dict[str, Any]:
    return {
        "consumer": queue.consumer,
        "queue": queue.queue,
        "deadLetterQueue": queue.dead_queue,
        "count": queue.count,
        "messages": [
            {
                "messageId": m.message_id,
                "eventType": m.event_type,
                "reason": m.reason,
                "deadAt": m.dead_at.isoformat() if m.dead_at else None,
            }
            for m in queue.messages
        ],
    }


def cmd_dlq_list(args: argparse.Namespace) -> int:
    settings = get_settings()
    queues = asyncio.run(_with_broker(settings, lambda c: list_dead_letters(c, settings, args.show)))
    if args.json:
        print(json.dumps([as_json(q) for q in queues]))
        return 0
    for q in queues:
        print(f"{q.dead_queue:<40}  {q.count:>6} dead-lettered")
        for m in q.messages:
            at = f"{m.dead_at:%Y-%m-%d %H:%M:%S}" if m.dead_at else "-"
            print(f"    {m.message_id or '-'}  {m.event_type or '-':<28}  {m.reason or '-':<14}  {at}")
    return 0


def cmd_dlq_replay(args: argparse.Namespace) -> int:
    settings = get_settings()
    consumer = consumer_of(settings, args.queue)
    if consumer is None:
        known = ", ".join(settings.queue_name(c) for c in CONSUMERS)
        print(f"countersign: no dead-letter queue {args.queue!r}; one of {known}", file=sys.stderr)
        return 2
    queue = settings.queue_name(consumer)
    try:
        moved = asyncio.run(_with_broker(settings, lambda c: replay(c, settings, consumer)))
    except ReplayStopped as stopped:
        print(
            f"countersign: replayed {stopped.moved} message(s), then stopped: {stopped}; "
            f"the rest stay in {queue}.dead (start the {consumer} service once, so its queue exists, and replay again)",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps({"queue": queue, "replayed": moved}))
    else:
        print(f"replayed {moved} message(s) from {queue}.dead to {queue}")
    return 0


def add_dlq_commands(sub: Any) -> None:
    dlq = sub.add_parser("dlq", help="dead-lettered messages of the event consumers").add_subparsers(
        dest="dlq_command", required=True
    )
    listing = dlq.add_parser("list", help="each consumer's dead-letter queue: how many, and the first few")
    listing.add_argument("--show", type=int, default=10, metavar="N", help="messages to show per queue (default 10)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_dlq_list)
    again = dlq.add_parser(
        "replay", help="move a queue's dead-lettered messages back to it (at least once; consumers skip duplicates)"
    )
    again.add_argument("queue", metavar="QUEUE", help="audit, notifier or documents (or the full queue name)")
    again.add_argument("--json", action="store_true")
    again.set_defaults(func=cmd_dlq_replay)
