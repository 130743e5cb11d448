"""Expiring documents whose deadline passed: by the sweep (workers/sweeps.py), or on the spot
when a signer reaches one before the sweep did (signing_session). Each expiry records
`document.expired` naming the invited participants still to act, in the same transaction."""

from __future__ import annotations

import asyncpg

from services.documents.commands.lifecycle_events import as_system, document_event
from services.documents.db import signer_repository as signers_repo
from services.documents.db import sweep_repository as repo
from services.documents.domain import turns
from services.documents.domain.payloads import people
from services.documents.domain.statemachine import Action, allowed_from, target

BATCH = 100


async def expire(conn: asyncpg.Connection, document_id: str | None = None) -> list[asyncpg.Record]:
    """Expire up to BATCH documents past their deadline (or only `document_id`), with their events."""
    rows = await repo.expire_due(conn, allowed_from(Action.EXPIRE), target(Action.EXPIRE), BATCH, document_id)
    for row in rows:
        signers = await signers_repo.list_signers(conn, row["id"])
        waiting = turns.outstanding(signers, invited_only=True)
        await document_event(conn, as_system(row), row, "document.expired", signers=people(waiting))
    return rows


async def expire_document(pool: asyncpg.Pool, document_id: str) -> bool:
    """Expire one document now if its deadline has passed (a signer reached it before the sweep)."""
    async with pool.acquire() as conn, conn.transaction():
        return bool(await expire(conn, document_id))
