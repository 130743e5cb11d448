"""The leased-job primitive (shared/jobs) against real PostgreSQL: claims never overlap, an
expired lease is claimed again, a stale lease writes nothing, failed attempts are retried on the
schedule and dead-lettered after the last, and a worker wakes on NOTIFY."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from shared.db import create_pool
from shared.jobs import queue as jobs
from shared.jobs.schedule import RetrySchedule
from shared.jobs.worker import JobWorker
from shared.settings import Settings
from shared.wakeup import Wakeup
from tests.scratch import eventually

SCHEMA = "jobs_test"
JOBS = jobs.JobTable(
    f"{SCHEMA}.jobs",
    due="j.status = 'queued' AND j.next_attempt_at <= now()",
    on_claim="claims = claims + 1",
    worker="claimed_by",
)
CHANNEL = "jobs_test_wake"


@pytest.fixture
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(prepared, min_size=1, max_size=6)
    await pool.execute(
        f"""DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
            CREATE SCHEMA {SCHEMA};
            CREATE TABLE {SCHEMA}.jobs (
                id text PRIMARY KEY,
                status text NOT NULL DEFAULT 'queued',
                attempts integer NOT NULL DEFAULT 0,
                claims integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                lease_token uuid,
                lease_expires_at timestamptz,
                claimed_by text,
                last_error text,
                result text);"""
    )
    yield pool
    await pool.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await pool.close()


async def add_jobs(pool: asyncpg.Pool, count: int) -> list[str]:
    ids = [f"job{n:03}" for n in range(count)]
    await pool.execute(f"INSERT INTO {SCHEMA}.jobs (id) SELECT unnest($1::text[])", ids)
    return ids


async def row(pool: asyncpg.Pool, job_id: str) -> dict[str, object]:
    return dict(await pool.fetchrow(f"SELECT * FROM {SCHEMA}.jobs WHERE id = $1", job_id))


async def claim(pool: asyncpg.Pool, limit: int, lease_seconds: float = 60, worker: str = "w") -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await jobs.claim(conn, JOBS, limit, lease_seconds, worker)


def lease(record: asyncpg.Record) -> jobs.Lease:
    return jobs.Lease(record["id"], record["lease_token"])


async def test_two_workers_never_claim_the_same_job(pool: asyncpg.Pool) -> None:
    ids = await add_jobs(pool, 120)

    async def worker(name: str) -> list[str]:
        mine: list[str] = []
        while claimed := await claim(pool, 7, worker=name):
            mine += [r["id"] for r in claimed]
        return mine

    results = await asyncio.gather(*(worker(f"w{n}") for n in range(4)))
    counts = Counter(job_id for mine in results for job_id in mine)
    assert sorted(counts) == ids and set(counts.values()) == {1}
    assert sum(1 for mine in results if mine) > 1  # they really competed
    rows = await pool.fetch(f"SELECT claims, claimed_by, lease_token FROM {SCHEMA}.jobs")
    assert {r["claims"] for r in rows} == {1} and all(r["lease_token"] for r in rows)
    by_worker = Counter(r["claimed_by"] for r in rows)
    assert by_worker == Counter({f"w{n}": len(mine) for n, mine in enumerate(results) if mine})


async def test_a_leased_job_waits_until_its_lease_expires_then_is_claimed_again(pool: asyncpg.Pool) -> None:
    [job_id] = await add_jobs(pool, 1)
    [first] = await claim(pool, 10, lease_seconds=0.3, worker="dead")
    assert await claim(pool, 10) == []  # leased: nobody else takes it

    again: list[asyncpg.Record] = []

    async def reclaimed() -> bool:
        again.extend(await claim(pool, 10, worker="alive"))
        return bool(again)

    await eventually(reclaimed, 10, "the expired lease to be claimed again")
    [second] = again
    assert second["id"] == job_id and second["lease_token"] != first["lease_token"]
    assert (await row(pool, job_id))["claimed_by"] == "alive"


async def test_an_outcome_under_a_stale_lease_changes_nothing(pool: asyncpg.Pool) -> None:
    [job_id] = await add_jobs(pool, 1)
    [first] = await claim(pool, 1, lease_seconds=0)  # expired at once: the next claim takes it
    [second] = await claim(pool, 1)
    before = await row(pool, job_id)
    async with pool.acquire() as conn:
        assert await jobs.settle(conn, JOBS, lease(first), "status = 'done', result = $3", "stale") is None
        failed = await jobs.fail(conn, JOBS, lease(first), RetrySchedule((0.0,), 1), 1, "stale failure")
        assert not failed.recorded
        assert await jobs.release(conn, JOBS, [lease(first)]) == 0
    assert await row(pool, job_id) == before
    async with pool.acquire() as conn:
        assert await jobs.settle(conn, JOBS, lease(second), "status = 'done', result = $3", "fresh") is True
    after = await row(pool, job_id)
    assert (after["status"], after["result"], after["lease_token"], after["lease_expires_at"]) == (
        "done",
        "fresh",
        None,
        None,
    )


async def test_failed_attempts_retry_on_the_schedule_then_dead_letter(pool: asyncpg.Pool) -> None:
    [job_id] = await add_jobs(pool, 1)
    schedule = RetrySchedule((0.0, 3600.0), max_attempts=3)
    outcomes = []
    for attempt in (1, 2):
        [claimed] = await claim(pool, 1)
        async with pool.acquire() as conn:
            outcomes.append(await jobs.fail(conn, JOBS, lease(claimed), schedule, attempt, f"boom {attempt}"))
        if attempt == 2:
            assert await claim(pool, 1) == []  # an hour away
            await pool.execute(f"UPDATE {SCHEMA}.jobs SET next_attempt_at = now()")
    [claimed] = await claim(pool, 1)
    async with pool.acquire() as conn:
        outcomes.append(await jobs.fail(conn, JOBS, lease(claimed), schedule, 3, "x" * 5000))
    assert [(o.recorded, o.retry_in) for o in outcomes] == [(True, 0.0), (True, 3600.0), (True, None)]
    dead = await row(pool, job_id)
    assert (dead["status"], dead["attempts"], dead["lease_token"]) == ("failed", 3, None)
    assert dead["last_error"] == "x" * jobs.MAX_ERROR
    assert await claim(pool, 1, lease_seconds=0) == []  # a dead letter is never due again


async def test_released_jobs_are_due_again_at_once_without_an_attempt(pool: asyncpg.Pool) -> None:
    await add_jobs(pool, 3)
    claimed = await claim(pool, 3)
    async with pool.acquire() as conn:
        assert await jobs.release(conn, JOBS, [lease(r) for r in claimed[:2]]) == 2
    again = await claim(pool, 3)
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in claimed[:2])
    assert {r["attempts"] for r in again} == {0}


async def test_a_locked_claim_holds_its_rows_for_its_transaction(pool: asyncpg.Pool) -> None:
    await add_jobs(pool, 4)
    async with pool.acquire() as one, pool.acquire() as two:
        with pytest.raises(RuntimeError):
            await jobs.claim_locked(one, JOBS, 10)
        async with one.transaction():
            first = await jobs.claim_locked(one, JOBS, 3)
            async with two.transaction():
                second = await jobs.claim_locked(two, JOBS, 10)
        assert len(first) == 3 and len(second) == 1
        assert not {r["id"] for r in first} & {r["id"] for r in second}
        async with two.transaction():  # the commit released them
            assert len(await jobs.claim_locked(two, JOBS, 10)) == 4


async def test_a_worker_wakes_on_notify_well_before_its_poll(prepared: Settings, pool: asyncpg.Pool) -> None:
    await add_jobs(pool, 1)
    done: list[str] = []

    async def one_pass() -> None:
        async with pool.acquire() as conn:
            for claimed in await jobs.claim(conn, JOBS, 10, 60, "waker"):
                await jobs.settle(conn, JOBS, lease(claimed), "status = 'done'")
                done.append(claimed["id"])

    def done_is(expected: list[str]) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return done == expected

        return check

    wakeup = Wakeup(prepared.database_url, CHANNEL)
    worker = JobWorker("waker", one_pass, wakeup=wakeup, poll_seconds=30)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(wakeup.listening.wait(), 10)
        await eventually(done_is(["job000"]), 10, "the first pass")
        # Polling every 30 s: only the NOTIFY can bring this one in within the wait.
        await pool.execute(f"INSERT INTO {SCHEMA}.jobs (id) VALUES ('late'); NOTIFY {CHANNEL}")
        await eventually(done_is(["job000", "late"]), 10, "the woken pass")
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
    assert not wakeup.listening.is_set()
