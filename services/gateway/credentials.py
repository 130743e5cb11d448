"""API credentials: creation, lookup by hash, revocation (SQL on the gateway schema).

inSigner keys are `isk_` + 44 URL-safe characters; WPsigner credentials are a `wps_` key plus a
secret. Only SHA-256 hashes are stored; the raw values are returned once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.gateway.key_notices import confirmed
from shared.ids import prefixed_id

INSIGNER_KEY = re.compile(r"^isk_[A-Za-z0-9_-]{44}$")
WPSIGNER_KEY = re.compile(r"^wps_[A-Za-z0-9_-]{32}$")


def hash_secret(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def new_insigner_key() -> str:
    return "isk_" + secrets.token_urlsafe(33)  # 33 bytes -> exactly 44 URL-safe characters


_ALNUM = string.ascii_letters + string.digits


def _alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_wpsigner_pair() -> tuple[str, str]:
    # Letters and digits only, as the WPsigner examples show (`wps_PPF0L3qP...`): 32 characters
    # carry 190 bits, the 40-character secret 238.
    return "wps_" + _alnum(32), _alnum(40)


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "org"


@dataclass(frozen=True)
class ApiKey:
    id: str
    org_id: str
    member_id: str
    kind: str
    scopes: tuple[str, ...]
    read_only: bool
    secret_hash: bytes | None
    # Requests per minute on the inSigner API set by an operator: None = the default, 0 = none.
    rate_limit_per_minute: int | None = None


@dataclass(frozen=True)
class CreatedKey:
    org_id: str
    key_id: str
    api_key: str
    api_secret: str | None = None
    member_id: str | None = None  # set when the key was made for a named member (--member-email)


async def ensure_organization(conn: asyncpg.Connection, name: str) -> tuple[str, str]:
    """The organisation named `name` and its admin member, created when missing.

    Safe when several processes create the same organisation at once: inserts that lose the race
    do nothing, and everyone reads back the row that won.
    """
    row = await conn.fetchrow("SELECT id FROM gateway.organizations WHERE name = $1", name)
    if row is None:
        org_id = prefixed_id("org")
        base = slugify(name)
        # Another organisation may already use the slug ("Acme!" and "Acme?"): then suffix it.
        for slug in (base, f"{base}-{org_id[-6:]}"):
            await conn.execute(
                "INSERT INTO gateway.organizations (id, name, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                org_id,
                name,
                slug,
            )
            row = await conn.fetchrow("SELECT id FROM gateway.organizations WHERE name = $1", name)
            if row is not None:
                break
        else:
            raise RuntimeError(f"could not create organisation {name!r}")
    org_id = row["id"]
    owner = (
        "SELECT id FROM gateway.members WHERE org_id = $1 AND role IN ('owner', 'admin') ORDER BY joined_at, id LIMIT 1"
    )
    member_id = await conn.fetchval(owner, org_id)
    if member_id is None:
        await conn.execute(
            """INSERT INTO gateway.members (id, org_id, name, email, role) VALUES ($1, $2, $3, $4, 'owner')
               ON CONFLICT (org_id, email) DO NOTHING""",
            prefixed_id("usr"),
            org_id,
            f"{name} Admin",
            f"admin@{slugify(name)}.invalid",
        )
        member_id = await conn.fetchval(owner, org_id)
    return org_id, member_id


async def create_insigner_key(
    conn: asyncpg.Connection, org_name: str, scopes: list[str], key_name: str, rate_limit_per_minute: int | None = None
) -> CreatedKey:
    """A key for the organisation's admin; `rate_limit_per_minute` overrides the default budget
    (None: API_RATE_LIMIT_PER_MINUTE, 0: no limit)."""
    async with conn.transaction():
        org_id, member_id = await ensure_organization(conn, org_name)
        raw = new_insigner_key()
        key_id = prefixed_id("key")
        await conn.execute(
            """INSERT INTO gateway.api_keys (id, org_id, member_id, name, kind, prefix, key_hash, scopes, rate_limit_per_minute)
               VALUES ($1, $2, $3, $4, 'insigner', $5, $6, $7, $8)""",
            key_id,
            org_id,
            member_id,
            key_name,
            raw[:8],
            hash_secret(raw),
            scopes,
            rate_limit_per_minute,
        )
    return CreatedKey(org_id, key_id, raw)


async def ensure_member(conn: asyncpg.Connection, org_id: str, email: str, name: str | None = None) -> str:
    """The organisation's member with this email, created with role `member` when missing (an
    existing member keeps their role). Emails are compared lower-cased."""
    email = email.strip().lower()
    await conn.execute(
        """INSERT INTO gateway.members (id, org_id, name, email, role) VALUES ($1, $2, $3, $4, 'member')
           ON CONFLICT (org_id, email) DO NOTHING""",
        prefixed_id("usr"),
        org_id,
        (name or "").strip() or email.split("@")[0],
        email,
    )
    return await conn.fetchval("SELECT id FROM gateway.members WHERE org_id = $1 AND email = $2", org_id, email)


async def create_wpsigner_key(
    conn: asyncpg.Connection,
    org_name: str,
    key_name: str,
    read_only: bool,
    member_email: str | None = None,
    member_name: str | None = None,
) -> CreatedKey:
    """A WPsigner key + secret for the organisation's admin, or for the member with
    `member_email` (created as a non-admin `member` if missing): non-admin credentials see only
    the documents their member created (services/gateway/wpsigner/auth.py)."""
    async with conn.transaction():
        org_id, member_id = await ensure_organization(conn, org_name)
        if member_email is not None:
            member_id = await ensure_member(conn, org_id, member_email, member_name)
        key, secret = new_wpsigner_pair()
        key_id = prefixed_id("key")
        await conn.execute(
            """INSERT INTO gateway.api_keys (id, org_id, member_id, name, kind, prefix, key_hash, secret_hash, read_only)
               VALUES ($1, $2, $3, $4, 'wpsigner', $5, $6, $7, $8)""",
            key_id,
            org_id,
            member_id,
            key_name,
            key[:8],
            hash_secret(key),
            hash_secret(secret),
            read_only,
        )
    return CreatedKey(org_id, key_id, key, secret, member_id if member_email is not None else None)


async def find_active_key(conn: asyncpg.Connection, raw_key: str) -> ApiKey | None:
    digest = hash_secret(raw_key)
    row = await conn.fetchrow(
        """SELECT id, org_id, member_id, kind, key_hash, secret_hash, scopes, read_only, rate_limit_per_minute
           FROM gateway.api_keys WHERE key_hash = $1 AND revoked_at IS NULL""",
        digest,
    )
    # The index lookup finds the row; the constant-time compare keeps the final check honest.
    if row is None or not hmac.compare_digest(bytes(row["key_hash"]), digest):
        return None
    return ApiKey(
        row["id"],
        row["org_id"],
        row["member_id"],
        row["kind"],
        tuple(row["scopes"]),
        row["read_only"],
        bytes(row["secret_hash"]) if row["secret_hash"] is not None else None,
        row["rate_limit_per_minute"],
    )


async def list_keys(conn: asyncpg.Connection, org_name: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT k.id, k.name, k.kind, k.prefix, k.scopes, k.read_only, k.rate_limit_per_minute, k.created_at, k.revoked_at
           FROM gateway.api_keys k JOIN gateway.organizations o ON o.id = k.org_id
           WHERE o.name = $1 ORDER BY k.created_at""",
        org_name,
    )


async def revoke_key(conn: asyncpg.Connection, key_id: str) -> datetime | None:
    """Revoke a key; returns when it was revoked (now, or earlier), None if no such key.
    Returns once every gateway has forgotten the key (key_notices.py)."""
    return await confirmed(
        conn,
        key_id,
        lambda: conn.fetchval(
            """UPDATE gateway.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
               RETURNING revoked_at""",
            key_id,
        ),
        lambda revoked_at: revoked_at is not None,
    )


async def set_rate_limit(conn: asyncpg.Connection, key_id: str, per_minute: int | None) -> str | None:
    """Set an inSigner key's own budget (None: back to the default, 0: no limit); returns the
    key's kind, or None if there is no such key. WPsigner credentials keep WPsigner's hourly
    limit: their row is left alone. Returns once every gateway has forgotten the key."""
    return await confirmed(
        conn,
        key_id,
        lambda: conn.fetchval(
            """WITH found AS (SELECT kind FROM gateway.api_keys WHERE id = $1),
                    changed AS (UPDATE gateway.api_keys SET rate_limit_per_minute = $2
                                WHERE id = $1 AND kind = 'insigner' RETURNING id)
               SELECT kind FROM found""",
            key_id,
            per_minute,
        ),
        lambda kind: kind == "insigner",  # WPsigner rows are left alone
    )
