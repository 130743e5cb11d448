"""Leased jobs in a PostgreSQL table: claim, lease, outcomes guarded by the lease, dead letters.

A job is a row. A worker claims due rows with `FOR UPDATE SKIP LOCKED` and leases them in one
short transaction (a fresh token and an expiry), then does the work outside any transaction. A
row whose lease has expired (its worker died or hangs) is due again. Every outcome is written only
while the worker's token is still the row's (`settle`): a worker that lost its lease changes
nothing, because another worker owns the job now.

`claim_locked` is the other way to hold a job, for work that fits in one transaction (the outbox
relay publishes with broker confirms inside it): the row lock is the lease, released by the
commit or by the connection dying, so nothing needs to expire. `claim_locked_writing` also
writes the outcome in the claiming statement, which the rollback of a failed attempt undoes.

SQL in a `JobTable` speaks of the job row as `j`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.jobs.schedule import RetrySchedule

MAX_ERROR = 1000


@dataclass(frozen=True)
class JobTable:
    table: str  # schema-qualified
    due: str  # a row waiting for a worker, its lease aside, e.g. "j.status = 'queued' AND j.next_attempt_at <= now()"
    order_by: str = "j.next_attempt_at, j.id"
    key: str = "id"
    key_type: str = "text"
    token: str = "lease_token"
    token_type: str = "uuid"
    expires: str = "lease_expires_at"
    new_token: str = "gen_random_uuid()"
    on_claim: str = ""  # more assignments when claimed, e.g. "status = 'sending'"
    on_write: str = ""  # assignments of every claim, outcome and release, e.g. "updated_at = now()"
    join: str = ""  # e.g. only jobs of an active parent row; never locked
    carry: str = ""  # columns of `join` to return, e.g. "w.url": RETURNING names them `due.url`
    returning: str = "j.*"
    worker: str | None = None  # a column naming the worker that holds the lease
    # Columns of `fail` (a failed attempt: retried on the schedule, or dead-lettered).
    status: str = "status"
    waiting_status: str = "queued"
    dead_status: str = "failed"
    attempts: str = "attempts"
    next_attempt: str = "next_attempt_at"
    last_error: str = "last_error"


@dataclass(frozen=True)
class Lease:
    key: Any
    token: Any


async def claim(
    conn: asyncpg.Connection, jobs: JobTable, limit: int, lease_seconds: float, worker: str | None = None
) -> list[asyncpg.Record]:
    """Lease up to `limit` due jobs (waiting, or leased and expired) for `lease_seconds`."""
    assigns = [f"{jobs.token} = {jobs.new_token}", f"{jobs.expires} = now() + make_interval(secs => $2)"]
    args: list[Any] = [limit, float(lease_seconds)]
    if jobs.worker is not None:
        assigns.append(f"{jobs.worker} = $3")
        args.append(worker)
    assigns += [part for part in (jobs.on_claim, jobs.on_write) if part]
    return await conn.fetch(
        f"""WITH due AS (
                SELECT j.{jobs.key}{", " + jobs.carry if jobs.carry else ""} FROM {jobs.table} j {jobs.join}
                WHERE ({jobs.due}) AND (j.{jobs.token} IS NULL OR j.{jobs.expires} <= now())
                ORDER BY {jobs.order_by} LIMIT $1
                FOR UPDATE OF j SKIP LOCKED)
            UPDATE {jobs.table} j SET {", ".join(assigns)}
            FROM due WHERE j.{jobs.key} = due.{jobs.key}
            RETURNING {jobs.returning}""",
        *args,
    )


async def claim_locked(conn: asyncpg.Connection, jobs: JobTable, limit: int) -> list[asyncpg.Record]:
    """Lock up to `limit` due jobs for the rest of the caller's transaction."""
    if not conn.is_in_transaction():
        raise RuntimeError("claim_locked holds its rows for a transaction; open one first")
    return await conn.fetch(
        f"""SELECT {jobs.returning} FROM {jobs.table} j WHERE {jobs.due}
            ORDER BY {jobs.order_by} LIMIT $1 FOR UPDATE OF j SKIP LOCKED""",
        limit,
    )


async def claim_locked_writing(conn: asyncpg.Connection, jobs: JobTable, limit: int, sets: str) -> list[asyncpg.Record]:
    """`claim_locked` that also writes the outcome (`sets`) on the rows it locks, in one
    statement, for work whose success is the commit: a rollback undoes the outcome with the lock.
    (The outbox relay: its claim and its mark were two statements of every batch.) Rows come
    back in key order."""
    if not conn.is_in_transaction():
        raise RuntimeError("claim_locked_writing holds its rows for a transaction; open one first")
    return await conn.fetch(
        f"""WITH due AS (
                SELECT j.{jobs.key} FROM {jobs.table} j WHERE {jobs.due}
                ORDER BY {jobs.order_by} LIMIT $1 FOR UPDATE OF j SKIP LOCKED),
            done AS (
                UPDATE {jobs.table} j SET {sets} FROM due WHERE j.{jobs.key} = due.{jobs.key}
                RETURNING {jobs.returning})
            SELECT * FROM done ORDER BY {jobs.key}""",
        limit,
    )


async def settle(
    conn: asyncpg.Connection,
    jobs: JobTable,
    lease: Lease,
    sets: str,
    *args: Any,
    keep_lease: bool = False,
    returning: str = "true",
) -> Any:
    """Write an outcome (`sets`, its arguments from $3) if the lease still holds, and end the
    lease unless `keep_lease`. Returns `returning` of the row, or None when the lease was lost."""
    assigns = [part for part in (sets, jobs.on_write) if part]
    if not keep_lease:
        assigns += [f"{jobs.token} = NULL", f"{jobs.expires} = NULL"]
    return await conn.fetchval(
        f"""UPDATE {jobs.table} j SET {", ".join(assigns)}
            WHERE j.{jobs.key} = $1 AND j.{jobs.token} = $2 RETURNING {returning}""",
        lease.key,
        lease.token,
        *args,
    )


async def release(conn: asyncpg.Connection, jobs: JobTable, leases: list[Lease], sets: str = "") -> int:
    """Give back leased jobs that were not attempted (shutdown): due again at once, and no
    attempt counted. Returns how many were still ours."""
    if not leases:
        return 0
    assigns = [f"{jobs.token} = NULL", f"{jobs.expires} = NULL"] + [part for part in (sets, jobs.on_write) if part]
    result = await conn.execute(
        f"""UPDATE {jobs.table} j SET {", ".join(assigns)}
            WHERE (j.{jobs.key}, j.{jobs.token}) IN (SELECT * FROM unnest($1::{jobs.key_type}[], $2::{jobs.token_type}[]))""",
        [lease.key for lease in leases],
        [lease.token for lease in leases],
    )
    return int(result.split()[-1])


@dataclass(frozen=True)
class Failed:
    recorded: bool  # False: the lease was lost, nothing was written
    retry_in: float | None  # seconds until the next attempt; None: dead-lettered


async def fail(
    conn: asyncpg.Connection, jobs: JobTable, lease: Lease, schedule: RetrySchedule, failed_attempts: int, error: str
) -> Failed:
    """Record a failed attempt (the `failed_attempts`th): waiting again after the schedule's next
    delay, or dead-lettered with the reason after the last attempt."""
    delay = schedule.next_attempt(failed_attempts)
    if delay is None:
        done = await settle(
            conn,
            jobs,
            lease,
            f"{jobs.status} = $3, {jobs.attempts} = {jobs.attempts} + 1, {jobs.last_error} = $4",
            jobs.dead_status,
            error[:MAX_ERROR],
        )
    else:
        done = await settle(
            conn,
            jobs,
            lease,
            f"""{jobs.status} = $3, {jobs.attempts} = {jobs.attempts} + 1,
                                {jobs.next_attempt} = now() + make_interval(secs => $4), {jobs.last_error} = $5""",
            jobs.waiting_status,
            delay,
            error[:MAX_ERROR],
        )
    return Failed(bool(done), delay)
