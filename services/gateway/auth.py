"""Authentication of API callers: `Authorization: Bearer isk_...` on /api/v1.

The middleware resolves the key to its organisation and scopes and stores a `Caller` on the
request; each route then checks its one required scope (`require_scope`). Around the lookup, the
rate limits (docs/security.md): an address whose failed authentications used up its budget is
refused before the lookup (auth_failures.py), a failure counts against it, and a found key's
request counts against the key's budget (api_limits.py), on the same connection.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from services.gateway import credentials
from services.gateway.api_limits import count_key_request
from services.gateway.auth_failures import AUTH_FAILURES, record_failure, refuse_if_spent, request_ip, too_many_failures
from services.gateway.client_ip import client_ip
from services.gateway.keys import TRUSTED
from services.gateway.scopes import grants
from shared.context import RequestContext
from shared.db import POOL
from shared.problems import Problem
from shared.web import Handler

_CONTEXT: web.RequestKey[RequestContext] = web.RequestKey("countersign.request_context", RequestContext)

# Paths under /api/v1 that need no API key: prefixes, and a campaign's public submissions.
OPEN_API_PATHS = ("/api/v1/openapi.json", "/api/v1/signing/", "/api/v1/verify")
CAMPAIGN_SUBMISSIONS = re.compile(r"/api/v1/campaigns/[^/]+/submissions")
OPEN_API_PATTERNS = (CAMPAIGN_SUBMISSIONS,)


def needs_no_key(path: str) -> bool:
    return path.startswith(OPEN_API_PATHS) or any(p.fullmatch(path) for p in OPEN_API_PATTERNS)


@dataclass(frozen=True)
class Sender:
    """The key's member and organisation, forwarded so documents can name their sender in emails."""

    name: str | None
    email: str | None
    org_name: str | None


@dataclass(frozen=True)
class Caller:
    key: credentials.ApiKey
    sender: Sender | None = None


# Members and organisations are renamed rarely; a short per-process cache spares every API
# request a second query. A rename shows in new documents within SENDER_TTL_SECONDS.
SENDER_TTL_SECONDS = 60.0
_SENDER_CACHE_MAX = 10_000
_senders: dict[tuple[str, str], tuple[float, Sender]] = {}


async def sender_of(conn: asyncpg.Connection, key: credentials.ApiKey) -> Sender:
    cache_key = (key.org_id, key.member_id)
    now = time.monotonic()
    cached = _senders.get(cache_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = await conn.fetchrow(
        """SELECT m.name, m.email, o.name AS org_name FROM gateway.members m
           JOIN gateway.organizations o ON o.id = m.org_id WHERE m.id = $1 AND m.org_id = $2""",
        key.member_id,
        key.org_id,
    )
    sender = Sender(row["name"], row["email"], row["org_name"]) if row else Sender(None, None, None)
    if len(_senders) >= _SENDER_CACHE_MAX:
        _senders.clear()  # crude, but bounded; a refill costs one query per member
    _senders[cache_key] = (now + SENDER_TTL_SECONDS, sender)
    return sender


_CALLER: web.RequestKey[Caller] = web.RequestKey("countersign.caller", Caller)


def caller_context(request: web.Request) -> RequestContext:
    """IP and user agent of the caller, plus the key's identity when authenticated."""
    existing = request.get(_CONTEXT)
    if existing is not None:
        return existing
    ip = client_ip(request.remote, request.headers.get("X-Forwarded-For"), request.app[TRUSTED])
    caller: Caller | None = request.get(_CALLER)
    sender = caller.sender if caller else None
    ctx = RequestContext(
        org_id=caller.key.org_id if caller else None,
        actor_type="api_key" if caller else "signer",
        actor_id=caller.key.id if caller else None,
        ip=ip,
        user_agent=request.headers.get("User-Agent"),
        sender_name=sender.name if sender else None,
        sender_email=sender.email if sender else None,
        org_name=sender.org_name if sender else None,
    )
    request[_CONTEXT] = ctx
    return ctx


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Problem(401, "Missing API key: send Authorization: Bearer isk_...")
    if scheme.lower() != "bearer" or not credentials.INSIGNER_KEY.match(token.strip()):
        raise Problem(401, "Malformed API key: expected Authorization: Bearer isk_ followed by 44 characters")
    return token.strip()


@web.middleware
async def api_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if not path.startswith("/api/v1/") or needs_no_key(path):
        return await handler(request)
    if not request.headers.get("Authorization"):
        bearer_token(request)  # 401 "Missing API key": no guess was made, nothing to count
    budget, ip = request.app[AUTH_FAILURES], request_ip(request)
    async with request.app[POOL].acquire() as conn:
        await refuse_if_spent(conn, budget, ip)
        try:
            token = bearer_token(request)
            key = await credentials.find_active_key(conn, token)
            if key is None or key.kind != "insigner":
                raise Problem(401, "Invalid or revoked API key")
        except Problem as refusal:
            window = await record_failure(conn, budget, ip)
            raise too_many_failures(window) if window.exceeded else refusal from None
        await count_key_request(conn, request, key)  # 429 here forwards nothing
        sender = await sender_of(conn, key)
    request[_CALLER] = Caller(key, sender)
    return await handler(request)


def caller_key(request: web.Request) -> credentials.ApiKey | None:
    """The API key that authenticated the request, if any."""
    caller = request.get(_CALLER)
    return caller.key if caller is not None else None


def require_scope(request: web.Request, scope: str) -> Caller:
    caller: Caller | None = request.get(_CALLER)
    if caller is None:
        raise Problem(401, "Missing API key")
    if not grants(caller.key.scopes, scope):
        raise Problem(403, f"This API key lacks the required scope: {scope}")
    return caller
