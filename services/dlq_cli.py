"""`countersign dlq list | replay QUEUE`: the consumers' dead-letter queues (shared/dead_letters.py).

Talks AMQP to the broker at AMQP_URL, in the namespace AMQP_NAMESPACE, as the services do.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from services.cli_output import answer, fail
from services.devstack.infra import with_broker
from shared.broker import CONSUMERS
from shared.dead_letters import DeadLetterQueue, ReplayStopped, consumer_of, list_dead_letters, replay
from shared.settings import get_settings


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
    queues = asyncio.run(with_broker(settings, lambda c: list_dead_letters(c, settings, args.show)))
    lines = []
    for q in queues:
        lines.append(f"{q.dead_queue:<40}  {q.count:>6} dead-lettered")
        for m in q.messages:
            at = f"{m.dead_at:%Y-%m-%d %H:%M:%S}" if m.dead_at else "-"
            lines.append(f"    {m.message_id or '-'}  {m.event_type or '-':<28}  {m.reason or '-':<14}  {at}")
    return answer(args.json, [as_json(q) for q in queues], lines)


def cmd_dlq_replay(args: argparse.Namespace) -> int:
    settings = get_settings()
    consumer = consumer_of(settings, args.queue)
    if consumer is None:
        known = ", ".join(settings.queue_name(c) for c in CONSUMERS)
        return fail(f"no dead-letter queue {args.queue!r}; one of {known}", 2)
    queue = settings.queue_name(consumer)
    try:
        moved = asyncio.run(with_broker(settings, lambda c: replay(c, settings, consumer)))
    except ReplayStopped as stopped:
        return fail(
            f"replayed {stopped.moved} message(s), then stopped: {stopped}; the rest stay in {queue}.dead "
            f"(start the {consumer} service once, so its queue exists, and replay again)"
        )
    return answer(
        args.json, {"queue": queue, "replayed": moved}, [f"replayed {moved} message(s) from {queue}.dead to {queue}"]
    )


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
