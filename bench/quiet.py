"""Wait for the consumers to catch up before measuring.

Documents created by an earlier run (or by the POST scenario) leave events that audit and
notifier work through for a while; measuring meanwhile would charge their work to whatever
scenario runs next.
"""

from __future__ import annotations

import asyncio
import time

import aio_pika

from shared.broker import CONSUMERS
from shared.settings import Settings


async def backlog(settings: Settings) -> int:
    connection = await aio_pika.connect(settings.amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        total = 0
        for consumer in CONSUMERS:
            try:
                queue = await channel.declare_queue(settings.queue_name(consumer), passive=True)
            except aio_pika.exceptions.ChannelClosed:
                channel = await connection.channel()  # the queue does not exist yet: no backlog
                continue
            total += queue.declaration_result.message_count or 0
        return total


async def wait_for_consumers(settings: Settings, timeout_s: float = 120) -> int:
    """Returns the backlog left (0 unless the timeout passed)."""
    deadline = time.monotonic() + timeout_s
    while (left := await backlog(settings)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return left
