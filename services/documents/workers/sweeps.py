"""Periodic work on pending documents: expiry and reminders. Safe with several replicas.

Each pass is one statement that claims and changes its rows at once (a conditional UPDATE over a
`FOR UPDATE SKIP LOCKED` selection) with the events written in the same transaction: two replicas
never expire one document twice or send one reminder twice, and a row a signing request holds
locked is simply left for the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from services.documents.db import signer_repository as signers_repo
from services.documents.domain import turns
from services.documents.commands.lifecycle_events import as_system, document_event, people, signer_event, stamp
from services.documents.domain.statemachine import Action, Status, allowed_from
from shared.db import POOL
from shared.logging import log_fields
from shared.service import SETTINGS

log = logging.getLogger("countersign.documents.sweeps")

BATCH = 100

# Documents whose deadline passed, unless everyone already signed (then completion wins).
_EXPIRE = """
    UPDATE documents.documents d SET status = $1, expired_at = now(), updated_at = now()
    WHERE d.id IN (
        SELECT id FROM documents.documents
        WHERE status = ANY($2::text[]) AND expires_at <= now() AND completion_requested_at IS NULL
          AND deleted_at IS NULL {only}
        ORDER BY expires_at LIMIT {limit} FOR UPDATE SKIP LOCKED)
    RETURNING d.*"""

# Active signers of pending documents with reminders on, last reminded (or invited) at least
# reminderFrequency days ago. The documents are locked first (SKIP LOCKED), in the order every
# signing command takes its locks (document, then signers), so a sweep and a signature never
# deadlock, and two replicas pick disjoint documents. The condition is re-checked on the updated
# row, so a replica that read a stale row finds it already reminded and skips it.
_REMIND = """
    WITH due AS (
        SELECT s2.id FROM documents.signers s2 JOIN documents.documents d2 ON d2.id = s2.document_id
        WHERE d2.status = 'pending' AND d2.reminder_frequency IS NOT NULL AND d2.deleted_at IS NULL
          AND d2.completion_requested_at IS NULL
          AND s2.status = 'pending' AND s2.activated_at IS NOT NULL AND s2.role = ANY($1::text[])
          AND coalesce(s2.last_reminded_at, s2.activated_at) <= now() - make_interval(days => d2.reminder_frequency)
        ORDER BY s2.id LIMIT $2 FOR UPDATE OF d2 SKIP LOCKED)
    UPDATE documents.signers s SET last_reminded_at = now()
    FROM documents.documents d
    WHERE s.id IN (SELECT id FROM due) AND d.id = s.document_id AND s.status = 'pending'
      AND coalesce(s.last_reminded_at, s.activated_at) <= now() - make_interval(days => d.reminder_frequency)
    RETURNING s.*, d.org_id AS d_org_id, d.name AS d_name, d.expires_at AS d_expires_at"""


async def _expire(conn: asyncpg.Connection, document_id: str | None) -> list[asyncpg.Record]:
    only, args = ("AND id = $3", [document_id]) if document_id else ("", [])
    rows = await conn.fetch(_EXPIRE.format(only=only, limit=BATCH), Status.EXPIRED, sorted(allowed_from(Action.EXPIRE)), *args)
    for row in rows:
        signers = await signers_repo.list_signers(conn, row["id"])
        waiting = turns.outstanding(signers, invited_only=True)
        await document_event(conn, as_system(row), row, "document.expired", signers=people(waiting))
    return rows


async def expire_document(pool: asyncpg.Pool, document_id: str) -> bool:
    """Expire one document now if its deadline has passed (a signer reached it before the sweep)."""
    async with pool.acquire() as conn, conn.transaction():
        return bool(await _expire(conn, document_id))


async def run_expiry_pass(pool: asyncpg.Pool) -> int:
    """Expire every pending document past its deadline; returns how many."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            count = len(await _expire(conn, None))
        total += count
        if count < BATCH:
            return total


async def run_reminder_pass(pool: asyncpg.Pool) -> int:
    """Remind every active signer whose reminder is due; returns how many were reminded."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_REMIND, sorted(turns.PARTICIPANT_ROLES), BATCH)
            for row in rows:
                document = {"id": row["document_id"], "org_id": row["d_org_id"], "name": row["d_name"]}
                await signer_event(conn, as_system(document), document, row, "signer.reminded",
                                   expiresAt=stamp(row["d_expires_at"]))
            if rows:
                await conn.execute(
                    "UPDATE documents.documents SET last_reminded_at = now() WHERE id = ANY($1::text[])",
                    list({r["document_id"] for r in rows}),
                )
        total += len(rows)
        if len(rows) < BATCH:
            return total


async def run_sweeps(pool: asyncpg.Pool) -> tuple[int, int]:
    return await run_expiry_pass(pool), await run_reminder_pass(pool)


async def _loop(app: web.Application) -> None:
    interval = app[SETTINGS].sweep_interval_seconds
    while True:
        try:
            expired, reminded = await run_sweeps(app[POOL])
            if expired or reminded:
                log.info("sweep", extra=log_fields(expired=expired, reminded=reminded))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # database away: try again next interval
            log.warning("sweep failed; will retry", extra=log_fields(error=repr(exc)))
        await asyncio.sleep(interval)


async def sweeps_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry: the sweeps run as long as the app."""
    task = asyncio.create_task(_loop(app))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
