"""Authentication of API callers: `Authorization: Bearer isk_...` on /api/v1.

The middleware resolves the key to its organisation and scopes and stores a `Caller` on the
request; each route then checks its one required scope (`require_scope`). Around the lookup, the
rate limits (docs/security.md): an address whose failed authentications used up its budget is
refused before the lookup (auth_failures.py), a failure counts against it, and a found key's
request counts against the key's budget (api_limits.py), on the same connection.

A key verified once is answered from memory (key_cache.py: evicted on every change by a NOTIFY,
emptied when the listener is lost), and so is a spent address for it: a known key with no budget
of its own costs no statement, one with a budget costs the one upsert that counts it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from services.gateway import credentials
from services.gateway.api_limits import count_key_request, key_limit
from services.gateway.auth_failures import (
    AUTH_FAILURES,
    FailureBudget,
    record_failure,
    refuse_if_spent,
    request_ip,
    too_many_failures,
    too_many_failures_for,
)
from services.gateway.key_cache import KEY_CACHE, KeyCache
from services.gateway.keys import SETTINGS
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
    org_logo: str | None = None  # the SHA-256 of the organisation's logo (org_logo.py)


@dataclass(frozen=True)
class Caller:
    key: credentials.ApiKey
    sender: Sender | None = None


# Members and organisations are renamed rarely; a short per-process cache spares every API
# request a second query. A rename shows in new documents within SENDER_TTL_SECONDS.
SENDER_TTL_SECONDS = 60.0
_SENDER_CACHE_MAX = 10_000
_senders: dict[tuple[str, str], tuple[float, Sender]] = {}


def cached_sender(key: credentials.ApiKey) -> Sender | None:
    cached = _senders.get((key.org_id, key.member_id))
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


async def load_sender(conn: asyncpg.Connection, key: credentials.ApiKey) -> Sender:
    row = await conn.fetchrow(
        """SELECT m.name, m.email, o.name AS org_name, o.logo_sha256 FROM gateway.members m
           JOIN gateway.organizations o ON o.id = m.org_id WHERE m.id = $1 AND m.org_id = $2""",
        key.member_id,
        key.org_id,
    )
    sender = Sender(row["name"], row["email"], row["org_name"], row["logo_sha256"]) if row else Sender(None, None, None)
    if len(_senders) >= _SENDER_CACHE_MAX:
        _senders.clear()  # crude, but bounded; a refill costs one query per member
    _senders[(key.org_id, key.member_id)] = (time.monotonic() + SENDER_TTL_SECONDS, sender)
    return sender


def forget_senders(org_id: str) -> None:
    """The organisation changed (its logo): this gateway names it afresh at once; others within
    SENDER_TTL_SECONDS."""
    for cached in [key for key in _senders if key[0] == org_id]:
        _senders.pop(cached, None)


_CALLER: web.RequestKey[Caller] = web.RequestKey("countersign.caller", Caller)


def caller_context(request: web.Request) -> RequestContext:
    """IP and user agent of the caller, plus the key's identity when authenticated."""
    existing = request.get(_CONTEXT)
    if existing is not None:
        return existing
    ip = request_ip(request)
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
        org_logo=sender.org_logo if sender else None,
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
    token, malformed = bearer_token_or_guess(request)
    budget, ip, cache = request.app[AUTH_FAILURES], request_ip(request), request.app[KEY_CACHE]
    key = cached_key(cache, budget.bucket(ip), token)
    sender = cached_sender(key) if key is not None else None
    # A known key with no budget of its own and a known sender: no statement at all.
    if key is None or sender is None or key_limit(key, request.app[SETTINGS].api_rate_limit_per_minute) is not None:
        async with request.app[POOL].acquire() as conn:
            if key is None:
                key = await verify_key(conn, cache, budget, ip, token, malformed)
            await count_key_request(conn, request, key)  # 429 here forwards nothing
            sender = sender or await load_sender(conn, key)
    request[_CALLER] = Caller(key, sender)
    return await handler(request)


def bearer_token_or_guess(request: web.Request) -> tuple[str | None, Problem | None]:
    """The well-formed key, or the refusal of a malformed one (a guess, counted as a failure)."""
    if not request.headers.get("Authorization"):
        bearer_token(request)  # 401 "Missing API key": no guess was made, nothing to count
    try:
        return bearer_token(request), None
    except Problem as malformed:
        return None, malformed


def cached_key(cache: KeyCache, bucket: str, token: str | None) -> credentials.ApiKey | None:
    """The key from memory; 429 when the address's failure budget is spent (right keys too)."""
    if token is None or not cache.ready:
        return None
    key = cache.get(credentials.hash_secret(token))
    if key is not None and (left := cache.spent(bucket)) is not None:
        raise too_many_failures_for(left)
    return key


async def verify_key(
    conn: asyncpg.Connection,
    cache: KeyCache,
    budget: FailureBudget,
    ip: str | None,
    token: str | None,
    malformed: Problem | None,
) -> credentials.ApiKey:
    """The key from the database, after the address's failure budget; a failure counts."""
    await refuse_if_spent(conn, budget, ip)
    generation = cache.generation  # before the read: an eviction meanwhile keeps it out
    key = await credentials.find_active_key(conn, token) if token is not None else None
    if token is None or key is None or key.kind != "insigner":
        window = await record_failure(conn, budget, ip)
        if window.exceeded:
            raise too_many_failures(window)
        raise malformed or Problem(401, "Invalid or revoked API key")
    cache.put(credentials.hash_secret(token), key, generation)
    return key


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
