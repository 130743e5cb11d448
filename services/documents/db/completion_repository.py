"""SQL of the completion worker: its job table (a document whose build is requested while it is
pending), the finish that records the signed PDF, and the error note — all guarded by the lease."""

from __future__ import annotations

import asyncpg

from services.documents.domain.statemachine import Status
from shared.jobs import queue as jobs

# A document is a job while its build is requested and it is still pending.
COMPLETIONS = jobs.JobTable(
    "documents.documents",
    due=f"j.status = '{Status.PENDING.value}' AND j.completion_requested_at IS NOT NULL AND j.deleted_at IS NULL",
    order_by="j.completion_requested_at",
    token="completion_claimed_at",
    token_type="timestamptz",
    new_token="clock_timestamp()",
    expires="completion_lease_expires_at",
    on_claim="completion_attempts = completion_attempts + 1",
)

_FINISH = """
    UPDATE documents.documents
    SET status = $3, completed_at = completion_requested_at, signed_file_key = $4, signed_file_hash = $5,
        completion_error = NULL, updated_at = now()
    WHERE id = $1 AND status = ANY($2::text[]) AND completion_claimed_at = $6
    RETURNING *"""


async def claim(conn: asyncpg.Connection, lease_seconds: float) -> asyncpg.Record | None:
    claimed = await jobs.claim(conn, COMPLETIONS, 1, lease_seconds)
    return claimed[0] if claimed else None


def lease_of(document: asyncpg.Record) -> jobs.Lease:
    return jobs.Lease(document["id"], document["completion_claimed_at"])


async def finish(
    conn: asyncpg.Connection, document: asyncpg.Record, allowed: list[str], status: str, key: str, digest: str
) -> asyncpg.Record | None:
    """Record the signed PDF and the new status, while our lease holds and the status allows it."""
    return await conn.fetchrow(_FINISH, document["id"], allowed, status, key, digest, document["completion_claimed_at"])


async def note_error(conn: asyncpg.Connection, document: asyncpg.Record, error: str) -> None:
    """Only while our lease holds; the lease is kept, so the document is retried when it runs out."""
    await jobs.settle(conn, COMPLETIONS, lease_of(document), "completion_error = $3", error, keep_lease=True)
