"""SQL of the signing lifecycle (columns of migrations/0003_lifecycle.sql), explicit connections.

Every lifecycle command first locks its document row (repository.find_document with a lock), so
the commands on one document run one at a time: "is everyone done?" is answered from a stable
state, and two concurrent sign/decline/cancel requests cannot both see `pending`. Each change is
still a conditional UPDATE on the statuses the state machines allow, as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

COMPLETION_CHANNEL = "documents_completion"


async def transition(
    conn: asyncpg.Connection, document_id: str, allowed: Iterable[str], status: str, stamp: str | None = None
) -> asyncpg.Record | None:
    """Move the document to `status` if it is in an allowed one; `stamp` names the timestamp
    column to set (sent_at, cancelled_at, …), always from a fixed list in the callers."""
    sets = f", {stamp} = now()" if stamp else ""
    return await conn.fetchrow(
        f"""UPDATE documents.documents SET status = $3{sets}, updated_at = now()
            WHERE id = $1 AND deleted_at IS NULL AND status = ANY($2::text[]) RETURNING *""",
        document_id,
        sorted(allowed),
        status,
    )


# --- signers ---------------------------------------------------------------------------------


async def signer_by_token_hash(conn: asyncpg.Connection, digest: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM documents.signers WHERE token_hash = $1", digest)


async def signer_by_id(conn: asyncpg.Connection, signer_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM documents.signers WHERE id = $1", signer_id)


async def signer_with_document(
    conn: asyncpg.Connection, signer_id: str
) -> tuple[asyncpg.Record, asyncpg.Record] | None:
    """A signer and their live document as two rows (table rows, decoded like any SELECT's), in
    one statement: the notifier's link fetches read them one after the other (two round trips,
    plus BEGIN and COMMIT for the copy link), for every invitation and completion email. No lock:
    who needs one uses find_document."""
    row = await conn.fetchrow(
        """SELECT s AS signer, d AS document FROM documents.signers s
           JOIN documents.documents d ON d.id = s.document_id AND d.deleted_at IS NULL
           WHERE s.id = $1""",
        signer_id,
    )
    return None if row is None else (row["signer"], row["document"])


async def store_first_token_hash(conn: asyncpg.Connection, signer_id: str, digest: str) -> str | None:
    """Store a token hash for a signer who has none yet (a viewer's first link); returns the hash
    now stored, theirs or one stored before."""
    await conn.execute(
        "UPDATE documents.signers SET token_hash = $2 WHERE id = $1 AND token_hash IS NULL", signer_id, digest
    )
    return await conn.fetchval("SELECT token_hash FROM documents.signers WHERE id = $1", signer_id)


async def set_tokens(conn: asyncpg.Connection, tokens: list[tuple[str, str, int]]) -> None:
    """`set_token` for each (signer id, digest, version), in one statement (a send's participants)."""
    if not tokens:
        return
    await conn.execute(
        """UPDATE documents.signers s SET token_hash = t.digest, token_version = t.version, updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::int[]) AS t(id, digest, version) WHERE s.id = t.id""",
        [signer_id for signer_id, _, _ in tokens],
        [digest for _, digest, _ in tokens],
        [version for _, _, version in tokens],
    )


async def set_token(conn: asyncpg.Connection, signer_id: str, digest: str, version: int) -> None:
    await conn.execute(
        "UPDATE documents.signers SET token_hash = $2, token_version = $3, updated_at = now() WHERE id = $1",
        signer_id,
        digest,
        version,
    )


async def next_token_version(conn: asyncpg.Connection, signer_id: str) -> int:
    return await conn.fetchval(
        "UPDATE documents.signers SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version",
        signer_id,
    )


async def activate(conn: asyncpg.Connection, signer_ids: list[str]) -> list[asyncpg.Record]:
    return await conn.fetch(
        """WITH done AS (
               UPDATE documents.signers SET activated_at = now(), updated_at = now()
               WHERE id = ANY($1::text[]) AND activated_at IS NULL RETURNING *)
           SELECT * FROM done ORDER BY signing_order, created_at, id""",
        signer_ids,
    )


async def move_signer(
    conn: asyncpg.Connection, signer_id: str, allowed: Iterable[str], status: str
) -> asyncpg.Record | None:
    """Move the signer to `status` if they are in an allowed one (signer_states decides both)."""
    return await conn.fetchrow(
        """UPDATE documents.signers SET status = $3, updated_at = now()
           WHERE id = $1 AND status = ANY($2::text[]) RETURNING *""",
        signer_id,
        sorted(allowed),
        status,
    )


async def mark_viewed(conn: asyncpg.Connection, signer_id: str) -> asyncpg.Record | None:
    """Only the first view counts: the conditional update makes it so under concurrency too."""
    return await conn.fetchrow(
        "UPDATE documents.signers SET viewed_at = now() WHERE id = $1 AND viewed_at IS NULL RETURNING *", signer_id
    )


async def finish_signer(
    conn: asyncpg.Connection,
    signer_id: str,
    allowed: Iterable[str],
    status: str,
    ip: str | None,
    user_agent: str | None,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """UPDATE documents.signers
           SET status = $5, signed_at = now(), viewed_at = coalesce(viewed_at, now()),
               ip = $2, user_agent = $3, updated_at = now()
           WHERE id = $1 AND status = ANY($4::text[]) RETURNING *""",
        signer_id,
        ip,
        user_agent,
        sorted(allowed),
        status,
    )


async def decline_signer(
    conn: asyncpg.Connection,
    signer_id: str,
    allowed: Iterable[str],
    status: str,
    reason: str,
    ip: str | None,
    user_agent: str | None,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """UPDATE documents.signers
           SET status = $6, declined_at = now(), decline_reason = $2, ip = $3, user_agent = $4,
               updated_at = now()
           WHERE id = $1 AND status = ANY($5::text[]) RETURNING *""",
        signer_id,
        reason,
        ip,
        user_agent,
        sorted(allowed),
        status,
    )


async def mark_reminded(conn: asyncpg.Connection, signer_ids: list[str]) -> None:
    await conn.execute("UPDATE documents.signers SET last_reminded_at = now() WHERE id = ANY($1::text[])", signer_ids)


async def mark_document_reminded(conn: asyncpg.Connection, document_id: str) -> None:
    await conn.execute("UPDATE documents.documents SET last_reminded_at = now() WHERE id = $1", document_id)


# --- one-time codes ----------------------------------------------------------------------------


async def start_otp(conn: asyncpg.Connection, signer_id: str) -> int:
    """A new nonce (so a new code); the old code dies with it."""
    return await conn.fetchval(
        """UPDATE documents.signers SET otp_nonce = otp_nonce + 1, otp_hash = NULL, otp_attempts = 0
           WHERE id = $1 RETURNING otp_nonce""",
        signer_id,
    )


async def store_otp(conn: asyncpg.Connection, signer_id: str, digest: str, ttl_seconds: int) -> asyncpg.Record:
    return await conn.fetchrow(
        """UPDATE documents.signers SET otp_hash = $2, otp_expires_at = now() + make_interval(secs => $3)
           WHERE id = $1 RETURNING otp_expires_at""",
        signer_id,
        digest,
        float(ttl_seconds),
    )


async def spend_otp_attempt(conn: asyncpg.Connection, signer_id: str, max_attempts: int) -> asyncpg.Record | None:
    """Use up one attempt on a live code and return it; None when no live code is left.

    The attempt is counted before the code is compared, so parallel guesses cannot exceed it."""
    return await conn.fetchrow(
        """UPDATE documents.signers SET otp_attempts = otp_attempts + 1
           WHERE id = $1 AND otp_hash IS NOT NULL AND otp_expires_at > now() AND otp_attempts < $2
           RETURNING otp_hash, otp_nonce, otp_attempts""",
        signer_id,
        max_attempts,
    )


async def otp_verified(conn: asyncpg.Connection, signer_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        """UPDATE documents.signers SET otp_verified_at = now(), otp_hash = NULL WHERE id = $1
           RETURNING otp_verified_at""",
        signer_id,
    )


# --- values and completion -----------------------------------------------------------------------


async def insert_values(conn: asyncpg.Connection, document_id: str, signer_id: str, values: Mapping[str, Any]) -> None:
    if values:
        await conn.executemany(
            "INSERT INTO documents.field_values (field_id, document_id, signer_id, value) VALUES ($1, $2, $3, $4)",
            [(field_id, document_id, signer_id, value) for field_id, value in values.items()],
        )


async def field_values(conn: asyncpg.Connection, document_id: str) -> dict[str, Any]:
    rows = await conn.fetch("SELECT field_id, value FROM documents.field_values WHERE document_id = $1", document_id)
    return {r["field_id"]: r["value"] for r in rows}


async def request_completion(conn: asyncpg.Connection, document_id: str, allowed: Iterable[str]) -> bool:
    """Everyone is done: queue the signed-PDF build (the status stays as it is until the file is
    stored; `allowed`: where completion may then happen). The NOTIFY is delivered on commit,
    waking a worker at once."""
    row = await conn.fetchval(
        """UPDATE documents.documents SET completion_requested_at = now(), updated_at = now()
           WHERE id = $1 AND status = ANY($2::text[]) AND completion_requested_at IS NULL RETURNING id""",
        document_id,
        sorted(allowed),
    )
    if row is not None:
        await conn.execute(f"NOTIFY {COMPLETION_CHANNEL}")
    return row is not None
