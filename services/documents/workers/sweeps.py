"""Periodic work on pending documents: expiry and reminders; and folding the document counters'
deltas (migrations/0012), so a count never sums more than one interval's changes. Safe with
several replicas.

Each pass is one statement that claims and changes its rows at once (db/sweep_repository.py)
with the events written in the same transaction: two replicas never expire one document twice or
send one reminder twice, and a row a signing request holds locked is simply left for the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from services.documents.commands import expiry
from services.documents.commands.deps import DEPS
from services.documents.commands.lifecycle_events import as_system, signer_event, stamp
from services.documents.db import repository as documents_repository
from services.documents.db import sweep_repository
from services.documents.domain import turns
from services.documents.domain.signer_states import SignerStatus
from services.documents.domain.statemachine import Status
from shared.logging import log_fields
from shared.shutdown import finish_task, grace_of

log = logging.getLogger("countersign.documents.sweeps")


async def run_expiry_pass(pool: asyncpg.Pool) -> int:
    """Expire every pending document past its deadline; returns how many."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            count = len(await expiry.expire(conn))
        total += count
        if count < expiry.BATCH:
            return total


async def run_reminder_pass(pool: asyncpg.Pool) -> int:
    """Remind every active signer whose reminder is due; returns how many were reminded."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await sweep_repository.remind_due(
                conn, turns.PARTICIPANT_ROLES, Status.PENDING, SignerStatus.PENDING, expiry.BATCH
            )
            for row in rows:
                document = {"id": row["document_id"], "org_id": row["d_org_id"], "name": row["d_name"]}
                await signer_event(
                    conn, as_system(document), document, row, "signer.reminded", expiresAt=stamp(row["d_expires_at"])
                )
            if rows:
                await sweep_repository.mark_documents_reminded(conn, {r["document_id"] for r in rows})
        total += len(rows)
        if len(rows) < expiry.BATCH:
            return total


async def run_sweeps(pool: asyncpg.Pool) -> tuple[int, int]:
    swept = await run_expiry_pass(pool), await run_reminder_pass(pool)
    await documents_repository.fold_document_counts(pool)
    return swept


async def _loop(pool: asyncpg.Pool, interval: float, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        try:
            expired, reminded = await run_sweeps(pool)
            if expired or reminded:
                log.info("sweep", extra=log_fields(expired=expired, reminded=reminded))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # database away: try again next interval
            log.warning("sweep failed; will retry", extra=log_fields(error=repr(exc)))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval):
                await stopping.wait()


async def sweeps_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry (after deps_ctx): the sweeps run as long as the app."""
    deps = app[DEPS]
    stopping = asyncio.Event()
    task = asyncio.create_task(_loop(deps.pool, deps.settings.sweep_interval_seconds, stopping))
    yield
    await finish_task(grace_of(app), task, stopping.set)  # the pass in flight commits or rolls back whole
