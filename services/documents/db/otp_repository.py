"""SQL of the one-time-code limits (migration 0006): codes issued in the last day, wrong codes in
all, and the lock. The code itself (nonce, hash, attempts) is in lifecycle_repository.

Callers hold the document's row lock (signing_session), so a signer's counts never race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg


async def issued_in_last_day(conn: asyncpg.Connection, signer_id: str) -> list[datetime]:
    """When the signer's codes of the last 24 hours were issued; older rows are pruned on the way."""
    await conn.execute(
        "DELETE FROM documents.otp_issues WHERE signer_id = $1 AND issued_at <= now() - interval '1 day'", signer_id
    )
    rows = await conn.fetch(
        "SELECT issued_at FROM documents.otp_issues WHERE signer_id = $1 ORDER BY issued_at", signer_id
    )
    return [r["issued_at"] for r in rows]


async def record_issue(conn: asyncpg.Connection, signer_id: str) -> None:
    await conn.execute("INSERT INTO documents.otp_issues (signer_id) VALUES ($1)", signer_id)


async def record_failure(conn: asyncpg.Connection, signer_id: str, lock_after: int) -> asyncpg.Record:
    """Count one wrong code; at `lock_after` the signer is locked and the live code dies with it.
    Returns otp_failures and otp_locked_at (set only by the failure that reached the limit)."""
    return await conn.fetchrow(
        """UPDATE documents.signers SET
               otp_failures = otp_failures + 1,
               otp_locked_at = CASE WHEN otp_failures + 1 >= $2 THEN coalesce(otp_locked_at, now()) ELSE otp_locked_at END,
               otp_hash = CASE WHEN otp_failures + 1 >= $2 THEN NULL ELSE otp_hash END
           WHERE id = $1 RETURNING otp_failures, otp_locked_at""",
        signer_id,
        lock_after,
    )


async def reset_failures(conn: asyncpg.Connection, signer_ids: Sequence[str]) -> list[str]:
    """The sender re-sent the link: the failure count starts over and any lock is lifted.
    Returns the ids of the signers that were locked (an unlock worth recording)."""
    rows = await conn.fetch(
        """UPDATE documents.signers s SET otp_failures = 0, otp_locked_at = NULL
           FROM (SELECT id, otp_locked_at FROM documents.signers WHERE id = ANY($1::text[])) before
           WHERE s.id = before.id AND (s.otp_failures > 0 OR s.otp_locked_at IS NOT NULL)
           RETURNING s.id, before.otp_locked_at IS NOT NULL AS was_locked""",
        list(signer_ids),
    )
    return [r["id"] for r in rows if r["was_locked"]]
