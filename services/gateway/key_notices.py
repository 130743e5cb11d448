"""A key change is done when every gateway has forgotten the key: the revoker waits for them.
(The same for an address that has just spent its failed-authentication budget: the failure that
spent it is answered once every gateway refuses the address, auth_failures.record_failure.)

Gateways answer known keys from memory (key_cache.py) and evict a key when the trigger of
migration 0004 NOTIFYs its change. That NOTIFY travels on its own: the command that revoked the
key could return, and its caller send the next request, before a gateway has read it. So a key
change (`credentials.revoke_key`, `credentials.set_rate_limit`) is `confirmed`: before the
change it lists the gateways' listening connections (pg_stat_activity: this database's, by
application_name),
and after it waits until each has answered on ACK_CHANNEL that it evicted the key. A gateway that
does not answer within CONFIRM_SECONDS has its listening connection terminated: losing it empties
its cache (key_cache.KeyCache.on_lost), so it looks every key up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from shared.logging import log_fields

log = logging.getLogger("countersign.gateway.key_notices")

ACK_CHANNEL = "gateway_auth_ack"
LISTENER_NAME = "countersign-key-cache"  # application_name of each gateway's listening connection
CONFIRM_SECONDS = 5.0

T = TypeVar("T")


def ack_notice(subject: str, listener_pid: int) -> str:
    """`subject`: the key id, or the failure bucket, that a gateway has taken note of."""
    return f"{subject} {listener_pid}"


async def confirmed(
    conn: asyncpg.Connection, subject: str, change: Callable[[], Awaitable[T]], changed: Callable[[T], bool]
) -> T:
    """Run `change` (statements on `conn`, committed on their own, that NOTIFY about `subject`)
    and, when `changed` says its result means a notice went out, wait for every gateway."""
    if conn.is_in_transaction():
        raise RuntimeError("a key change is confirmed after its commit; run it outside a transaction")
    heard: set[int] = set()
    arrived = asyncio.Event()

    def on_ack(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        acked, _, pid = payload.rpartition(" ")
        if acked == subject and pid.isdigit():
            heard.add(int(pid))
            arrived.set()

    await conn.add_listener(ACK_CHANNEL, on_ack)
    try:
        gateways = set(
            await conn.fetchval(
                """SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity
                   WHERE application_name = $1 AND datname = current_database()""",
                LISTENER_NAME,
            )
        )
        result = await change()
        if not changed(result):
            return result  # no row changed: no NOTIFY, nobody will answer
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CONFIRM_SECONDS):
                while not gateways <= heard:
                    await arrived.wait()
                    arrived.clear()
        if silent := sorted(gateways - heard):
            log.warning("gateways did not confirm a notice; cutting their listeners", extra=log_fields(pids=silent))
            await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", silent)
    finally:
        await conn.remove_listener(ACK_CHANNEL, on_ack)
    return result
