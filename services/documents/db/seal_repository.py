"""SQL of the organisations' seal identities (documents.org_seal_identities)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

_SELECT = """
    SELECT * FROM documents.org_seal_identities
    WHERE org_id = $1 AND not_after > now() + interval '1 day'"""

_INSERT = """
    INSERT INTO documents.org_seal_identities (org_id, chain_pem, private_key, cert_sha256, not_after)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (org_id) DO UPDATE
        SET chain_pem = EXCLUDED.chain_pem, private_key = EXCLUDED.private_key, cert_sha256 = EXCLUDED.cert_sha256,
            not_after = EXCLUDED.not_after, source = 'platform', created_at = now()
        WHERE org_seal_identities.not_after <= now() + interval '1 day'"""


# An upload replaces whatever the organisation had, platform-issued or uploaded, at once.
_UPLOAD = """
    INSERT INTO documents.org_seal_identities (org_id, chain_pem, private_key, cert_sha256, not_after, source)
    VALUES ($1, $2, $3, $4, $5, 'uploaded')
    ON CONFLICT (org_id) DO UPDATE
        SET chain_pem = EXCLUDED.chain_pem, private_key = EXCLUDED.private_key, cert_sha256 = EXCLUDED.cert_sha256,
            not_after = EXCLUDED.not_after, source = 'uploaded', created_at = now()"""


class CertificateInUse(Exception):
    """The certificate already seals another organisation's documents (cert_sha256 is UNIQUE)."""


async def live_identity(pool: asyncpg.Pool, org_id: str) -> asyncpg.Record | None:
    """The organisation's identity, unless it expires within a day (then it is to be replaced)."""
    return await pool.fetchrow(_SELECT, org_id)


async def store_identity(
    pool: asyncpg.Pool, org_id: str, chain_pem: str, sealed_key: str, cert_sha256: str, not_after: datetime
) -> None:
    """Store a freshly issued identity; a concurrent issue's row wins if it is live (ON CONFLICT)."""
    await pool.execute(_INSERT, org_id, chain_pem, sealed_key, cert_sha256, not_after)


async def store_uploaded_identity(
    pool: asyncpg.Pool, org_id: str, chain_pem: str, sealed_key: str, cert_sha256: str, not_after: datetime
) -> None:
    """Make an uploaded identity the organisation's seal, replacing the one it had."""
    try:
        await pool.execute(_UPLOAD, org_id, chain_pem, sealed_key, cert_sha256, not_after)
    except asyncpg.UniqueViolationError:
        raise CertificateInUse(cert_sha256) from None


async def remove_uploaded_identity(pool: asyncpg.Pool, org_id: str) -> bool:
    """Forget the organisation's own identity (its key and chain); False when it had none uploaded
    (a platform-issued identity is kept: it is what sealing falls back to anyway)."""
    removed = await pool.fetchval(
        "DELETE FROM documents.org_seal_identities WHERE org_id = $1 AND source = 'uploaded' RETURNING org_id", org_id
    )
    return removed is not None
