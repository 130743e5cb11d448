"""SQL of the periodic sweeps: expiry and reminders, each one statement that claims and changes
its rows at once (a conditional UPDATE over a `FOR UPDATE SKIP LOCKED` selection), so two
replicas never expire one document twice or send one reminder twice, and a row a signing request
holds locked is simply left for the next pass. Statuses come from the state machines (callers)."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

# Documents whose deadline passed, unless everyone already signed (then completion wins).
_EXPIRE = """
    UPDATE documents.documents d SET status = $1, expired_at = now(), updated_at = now()
    WHERE d.id IN (
        SELECT id FROM documents.documents
        WHERE status = ANY($2::text[]) AND expires_at <= now() AND completion_requested_at IS NULL
          AND deleted_at IS NULL {only}
        ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING d.*"""

# Active signers of pending documents with reminders on, last reminded (or invited) at least
# reminderFrequency days ago. The documents are locked first (SKIP LOCKED), in the order every
# signing command takes its locks (document, then signers), so a sweep and a signature never
# deadlock, and two replicas pick disjoint documents. The condition is re-checked on the updated
# row, so a replica that read a stale row finds it already reminded and skips it.
_REMIND = """
    WITH due AS (
        SELECT s2.id FROM documents.signers s2 JOIN documents.documents d2 ON d2.id = s2.document_id
        WHERE d2.status = $3 AND d2.reminder_frequency IS NOT NULL AND d2.deleted_at IS NULL
          AND d2.completion_requested_at IS NULL
          AND s2.status = $4 AND s2.activated_at IS NOT NULL AND s2.role = ANY($1::text[])
          AND coalesce(s2.last_reminded_at, s2.activated_at) <= now() - make_interval(days => d2.reminder_frequency)
        ORDER BY s2.id LIMIT $2 FOR UPDATE OF d2 SKIP LOCKED)
    UPDATE documents.signers s SET last_reminded_at = now()
    FROM documents.documents d
    WHERE s.id IN (SELECT id FROM due) AND d.id = s.document_id AND s.status = $4
      AND coalesce(s.last_reminded_at, s.activated_at) <= now() - make_interval(days => d.reminder_frequency)
    RETURNING s.*, d.org_id AS d_org_id, d.name AS d_name, d.expires_at AS d_expires_at"""


async def expire_due(
    conn: asyncpg.Connection, allowed: Iterable[str], expired: str, limit: int, document_id: str | None = None
) -> list[asyncpg.Record]:
    """Move up to `limit` documents past their deadline (or only `document_id`) to `expired`."""
    only, args = ("AND id = $4", [document_id]) if document_id else ("", [])
    return await conn.fetch(_EXPIRE.format(only=only), expired, sorted(allowed), limit, *args)


async def remind_due(
    conn: asyncpg.Connection, roles: Iterable[str], document_status: str, signer_status: str, limit: int
) -> list[asyncpg.Record]:
    """Mark up to `limit` due signers reminded; each row carries its document's org, name and expiry."""
    return await conn.fetch(_REMIND, sorted(roles), limit, document_status, signer_status)


async def mark_documents_reminded(conn: asyncpg.Connection, document_ids: Iterable[str]) -> None:
    await conn.execute(
        "UPDATE documents.documents SET last_reminded_at = now() WHERE id = ANY($1::text[])", list(document_ids)
    )
