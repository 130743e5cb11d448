"""The store of idempotency keys (table gateway.idempotency_keys, migration 0005).

A key is claimed by one atomic upsert: the request that claims it runs, the others read what is
there (the answer to replay, a different fingerprint, or a request still in flight). Claiming
succeeds on a fresh key, on one whose 24 hours are over, and on one still marked in flight past
its lease with the same fingerprint: the request that held it never finished (a gateway that
died mid-request), so the client's retry runs. Every write after the claim names the claim's
`owner`, so a request whose lease was taken over cannot overwrite its successor's answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

# How long an in-flight claim holds its key against retries. Longer than anything a proxied
# request may take (the upstream session's 120-second total timeout, services/gateway/proxy.py),
# so a live request is never taken over; short enough that a crash blocks retries only minutes.
LEASE_SECONDS = 180
# Expired keys deleted by each claim: enough to keep up with the claims themselves.
_SWEEP_BATCH = 50


@dataclass(frozen=True, slots=True)
class Claim:
    """This request holds the key: it runs, then `complete`s or `release`s."""

    org_id: str
    key_hash: bytes
    owner: uuid.UUID


@dataclass(frozen=True, slots=True)
class Existing:
    """Another request's use of the key."""

    fingerprint: bytes
    in_flight: bool
    status: int | None
    headers: dict[str, str]
    body: str | None  # sealed; None: the answer was too large to keep
    body_stored: bool


async def claim(
    conn: asyncpg.Connection, org_id: str, key_hash: bytes, fingerprint: bytes, ttl_seconds: int
) -> Claim | Existing | None:
    """Claim the key, or what holds it; None when it vanished between the two reads (retry)."""
    owner = uuid.uuid4()
    claimed = await conn.fetchval(
        """INSERT INTO gateway.idempotency_keys AS k (org_id, key_hash, fingerprint, owner, expires_at, lease_until)
           VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), now() + make_interval(secs => $6))
           ON CONFLICT (org_id, key_hash) DO UPDATE
              SET fingerprint = excluded.fingerprint, owner = excluded.owner, created_at = now(),
                  expires_at = excluded.expires_at, lease_until = excluded.lease_until,
                  status = NULL, headers = NULL, body = NULL, body_stored = NULL
              WHERE k.expires_at <= now()
                 OR (k.status IS NULL AND k.lease_until <= now() AND k.fingerprint = excluded.fingerprint)
           RETURNING true""",
        org_id,
        key_hash,
        fingerprint,
        owner,
        float(ttl_seconds),
        float(LEASE_SECONDS),
    )
    if claimed:
        await _sweep(conn)
        return Claim(org_id, key_hash, owner)
    row = await conn.fetchrow(
        """SELECT fingerprint, status, headers, body, body_stored FROM gateway.idempotency_keys
           WHERE org_id = $1 AND key_hash = $2""",
        org_id,
        key_hash,
    )
    if row is None:
        return None
    return Existing(
        fingerprint=bytes(row["fingerprint"]),
        in_flight=row["status"] is None,
        status=row["status"],
        headers=dict(row["headers"] or {}),
        body=row["body"],
        body_stored=bool(row["body_stored"]),
    )


async def complete(
    conn: asyncpg.Connection, claim: Claim, status: int, headers: dict[str, str], body: str | None
) -> None:
    """Keep the answer for replays, its body sealed; None: too large to keep (the key stays taken)."""
    await conn.execute(
        """UPDATE gateway.idempotency_keys SET status = $4, headers = $5, body = $6, body_stored = $7
           WHERE org_id = $1 AND key_hash = $2 AND owner = $3""",
        claim.org_id,
        claim.key_hash,
        claim.owner,
        status,
        headers,
        body,
        body is not None,
    )


async def release(conn: asyncpg.Connection, claim: Claim) -> None:
    """Free the key: the request did not reach an answer worth keeping, so a retry runs."""
    await conn.execute(
        "DELETE FROM gateway.idempotency_keys WHERE org_id = $1 AND key_hash = $2 AND owner = $3",
        claim.org_id,
        claim.key_hash,
        claim.owner,
    )


async def _sweep(conn: asyncpg.Connection) -> None:
    # Expired rows are already ignored by `claim`; deleting a few per claim keeps the table at
    # about one day of keys without a scheduled job, and costs requests without a key nothing.
    await conn.execute(
        """DELETE FROM gateway.idempotency_keys WHERE (org_id, key_hash) IN (
               SELECT org_id, key_hash FROM gateway.idempotency_keys WHERE expires_at <= now()
               ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)""",
        _SWEEP_BATCH,
    )
