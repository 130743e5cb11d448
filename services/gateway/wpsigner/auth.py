"""Who is calling the WPsigner API: `X-WPS-API-Key` + `X-WPS-API-Secret`.

Both are stored only as SHA-256 hashes (services/gateway/credentials.py). The key's hash finds
the row (an index lookup); the secret's hash is then compared in constant time. The credential
belongs to a member of an organisation: an owner or admin member sees the organisation's
documents, any other member only the documents they created, through any of their keys
(`documents.created_by` is the creating key's id, so ownership is "created by one of my
member's keys").
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from services.gateway.client_ip import client_ip
from services.gateway.credentials import WPSIGNER_KEY, hash_secret
from services.gateway.keys import TRUSTED
from shared.context import RequestContext

KEY_HEADER = "X-WPS-API-Key"
SECRET_HEADER = "X-WPS-API-Secret"
ADMIN_ROLES = frozenset({"owner", "admin"})
MAX_SECRET = 200


@dataclass(frozen=True, slots=True)
class WpCaller:
    key_id: str
    org_id: str
    member_id: str
    admin: bool
    read_only: bool
    member_keys: tuple[str, ...]  # every key of the member, revoked ones too: they created documents
    # Who sends the documents this caller creates (Reply-To and the sender's emails).
    sender_name: str | None = None
    sender_email: str | None = None
    org_name: str | None = None
    org_logo: str | None = None

    def owns(self, created_by: str | None) -> bool:
        return self.admin or (created_by is not None and created_by in self.member_keys)

    @property
    def sees_live_links(self) -> bool:
        """Only Full Access credentials are handed links that carry a credential of their own: a
        signing link lets whoever holds it sign as the signer, a presigned download URL lets anyone
        read the file without a key. A Read Only key must not be a way to obtain either."""
        return not self.read_only

    def creators(self) -> tuple[str, ...] | None:
        """The created_by values whose documents this caller may list (None: all)."""
        return None if self.admin else self.member_keys


CALLER: web.RequestKey[WpCaller] = web.RequestKey("countersign.wpsigner.caller", WpCaller)


def presented(request: web.Request) -> tuple[str, str] | None:
    """The key and secret, when both are present and plausibly shaped (no database needed to
    refuse garbage)."""
    key = request.headers.get(KEY_HEADER, "").strip()
    secret = request.headers.get(SECRET_HEADER, "").strip()
    if not WPSIGNER_KEY.match(key) or not secret or len(secret) > MAX_SECRET:
        return None
    return key, secret


async def authenticate(conn: asyncpg.Connection, key: str, secret: str) -> WpCaller | None:
    row = await conn.fetchrow(
        """SELECT k.id, k.org_id, k.member_id, k.key_hash, k.secret_hash, k.read_only, m.role,
                  m.name AS member_name, m.email AS member_email, org.name AS org_name,
                  org.logo_sha256,
                  ARRAY(SELECT o.id FROM gateway.api_keys o WHERE o.member_id = k.member_id ORDER BY o.id) AS member_keys
           FROM gateway.api_keys k JOIN gateway.members m ON m.id = k.member_id
           JOIN gateway.organizations org ON org.id = k.org_id
           WHERE k.key_hash = $1 AND k.kind = 'wpsigner' AND k.revoked_at IS NULL""",
        hash_secret(key),
    )
    if row is None or row["secret_hash"] is None:
        return None
    # Both compares run whatever the first one's outcome, so timing tells nothing either way.
    key_ok = hmac.compare_digest(bytes(row["key_hash"]), hash_secret(key))
    secret_ok = hmac.compare_digest(bytes(row["secret_hash"]), hash_secret(secret))
    if not (key_ok and secret_ok):
        return None
    return WpCaller(
        row["id"],
        row["org_id"],
        row["member_id"],
        row["role"] in ADMIN_ROLES,
        row["read_only"],
        tuple(row["member_keys"]),
        row["member_name"],
        row["member_email"],
        row["org_name"],
        row["logo_sha256"],
    )


def remote_ip(request: web.Request) -> str | None:
    return client_ip(request.remote, request.headers.get("X-Forwarded-For"), request.app[TRUSTED])


def caller_of(request: web.Request) -> WpCaller:
    return request[CALLER]


def context_of(request: web.Request) -> RequestContext:
    """The identity forwarded to internal services: the credential's key id as the actor, as the
    inSigner surface forwards its key ids (so created_by and the audit trail read the same)."""
    caller = request[CALLER]
    return RequestContext(
        org_id=caller.org_id,
        actor_type="api_key",
        actor_id=caller.key_id,
        ip=remote_ip(request),
        user_agent=request.headers.get("User-Agent"),
        sender_name=caller.sender_name,
        sender_email=caller.sender_email,
        org_name=caller.org_name,
        org_logo=caller.org_logo,
    )
