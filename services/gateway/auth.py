"""Authentication of API callers: `Authorization: Bearer isk_...` on /api/v1.

The middleware resolves the key to its organisation and scopes and stores a `Caller` on the
request; each route then checks its one required scope (`require_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from services.gateway import credentials
from services.gateway.client_ip import client_ip
from services.gateway.keys import TRUSTED
from services.gateway.scopes import grants
from shared.context import RequestContext
from shared.db import POOL
from shared.problems import Problem
from shared.web import Handler

_CONTEXT: web.RequestKey[RequestContext] = web.RequestKey("countersign.request_context", RequestContext)

# Paths under /api/v1 that need no API key.
OPEN_API_PATHS = ("/api/v1/openapi.json", "/api/v1/signing/")


@dataclass(frozen=True)
class Caller:
    key: credentials.ApiKey


_CALLER: web.RequestKey[Caller] = web.RequestKey("countersign.caller", Caller)


def caller_context(request: web.Request) -> RequestContext:
    """IP and user agent of the caller, plus the key's identity when authenticated."""
    existing = request.get(_CONTEXT)
    if existing is not None:
        return existing
    ip = client_ip(request.remote, request.headers.get("X-Forwarded-For"), request.app[TRUSTED])
    caller: Caller | None = request.get(_CALLER)
    ctx = RequestContext(
        org_id=caller.key.org_id if caller else None,
        actor_type="api_key" if caller else "signer",
        actor_id=caller.key.id if caller else None,
        ip=ip,
        user_agent=request.headers.get("User-Agent"),
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
    if not path.startswith("/api/v1/") or path.startswith(OPEN_API_PATHS):
        return await handler(request)
    token = bearer_token(request)
    async with request.app[POOL].acquire() as conn:
        key = await credentials.find_active_key(conn, token)
    if key is None or key.kind != "insigner":
        raise Problem(401, "Invalid or revoked API key")
    request[_CALLER] = Caller(key)
    return await handler(request)


def require_scope(request: web.Request, scope: str) -> Caller:
    caller: Caller | None = request.get(_CALLER)
    if caller is None:
        raise Problem(401, "Missing API key")
    if not grants(caller.key.scopes, scope):
        raise Problem(403, f"This API key lacks the required scope: {scope}")
    return caller
