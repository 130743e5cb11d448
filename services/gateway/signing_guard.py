"""Failed authentication on the signer routes: the signing API and the signing page.

A signing token is the credential of /api/v1/signing/{token}/… and /sign/{token}. Whether it is
known is decided where the tokens live (the documents service answers 404 for an unknown,
replaced or malformed token; the gateway answers 404 for a path that fits no route), so this
middleware counts the 404 answers of those routes, whoever produced them, against the client
IP's failed-authentication budget (auth_failures.py, shared with bad API keys), and refuses a
spent address with 429 before anything is forwarded or looked up.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.auth_failures import AUTH_FAILURES, record_failure, refuse_if_spent, request_ip
from shared.db import POOL
from shared.problems import Problem
from shared.web import Handler

SIGNER_PREFIXES = ("/api/v1/signing/", "/sign/")


async def _count_failure(request: web.Request, ip: str | None) -> None:
    async with request.app[POOL].acquire() as conn:
        await record_failure(conn, request.app[AUTH_FAILURES], ip)


@web.middleware
async def signing_guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(SIGNER_PREFIXES):
        return await handler(request)
    ip = request_ip(request)
    async with request.app[POOL].acquire() as conn:
        await refuse_if_spent(conn, request.app[AUTH_FAILURES], ip)
    try:
        response = await handler(request)
    except (Problem, web.HTTPException) as exc:
        if exc.status == 404:
            await _count_failure(request, ip)
        raise
    if response.status == 404:
        await _count_failure(request, ip)
    return response
