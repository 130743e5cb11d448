"""The workers' wake-ups of one process share one LISTEN session (shared/shared_listener.py):
each NOTIFY in the database costs every listening session a transaction, so a process listens
once. Each wake-up still hears only its own channel, and a channel nobody waits on any more is
UNLISTENed even while the session stays open for the others."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from shared.settings import Settings
from shared.wakeup import Wakeup


async def _woken(wakeup: Wakeup, within: float) -> bool:
    try:
        async with asyncio.timeout(within):
            await wakeup.wait(within + 1)
    except TimeoutError:
        return False
    return True


async def _listening_sessions(db: asyncpg.Pool, channel: str) -> int:
    return int(
        await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
            f'LISTEN "{channel}"',
        )
    )


async def test_wakeups_of_a_process_share_one_session_and_hear_only_their_channel(
    prepared: Settings, db: asyncpg.Pool
) -> None:
    first, second = (f"shared_listener_{uuid.uuid4().hex[:8]}" for _ in range(2))
    a, b = Wakeup(prepared.database_url, first), Wakeup(prepared.database_url, second)
    a.start()
    b.start()
    try:
        await asyncio.wait_for(asyncio.gather(a.listening.wait(), b.listening.wait()), 10)
        # Both channels on one session: its last statement LISTENed the second one, and no
        # session's last statement LISTENed the first.
        assert await _listening_sessions(db, second) == 1
        assert await _listening_sessions(db, first) == 0
        # The catch-up wake after LISTEN, then only notifications of each one's own channel.
        assert await _woken(a, 1) and await _woken(b, 1)
        await db.execute(f"NOTIFY {first}")
        assert await _woken(a, 5)
        assert not await _woken(b, 0.5)

        # The second leaves: its channel is UNLISTENed, the first still hears its own.
        await b.stop()
        assert not b.listening.is_set()
        await asyncio.sleep(0.5)
        assert await _listening_sessions(db, second) == 0
        await db.execute(f"NOTIFY {first}")
        assert await _woken(a, 5)
    finally:
        await a.stop()
        await b.stop()
    assert not a.listening.is_set()
