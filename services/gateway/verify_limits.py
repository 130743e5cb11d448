"""POST /api/v1/verify, before it is forwarded: a budget per client IP, and a larger body cap.

The endpoint needs no API key and each request costs a PDF parse in a child process, so every
request (answered or not) counts against the address's budget in the gateway's one limiter
(ratelimit.py, bucket `verify:<ip>`, VERIFY_RATE_LIMIT_PER_MINUTE); past it, 429 before anything
is read or forwarded. The gateway's body cap (MAX_BODY_BYTES) is sized for JSON; a signed PDF is
far larger, so this route alone reads up to VERIFY_MAX_BYTES.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway import ratelimit
from services.gateway.auth_failures import request_ip
from services.gateway.keys import SETTINGS
from shared.contracts.verify import VERIFY_PATH
from shared.db import POOL
from shared.problems import Problem
from shared.web import Handler


def bucket(ip: str | None) -> str:
    return f"verify:{ip or 'unknown'}"


@web.middleware
async def verify_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != VERIFY_PATH or request.method != "POST":
        return await handler(request)
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        window = await ratelimit.hit(
            conn, bucket(request_ip(request)), ratelimit.MINUTE, settings.verify_rate_limit_per_minute
        )
    if window.exceeded:
        raise Problem(
            429,
            "Too many verifications from this address. Please retry after the reset period.",
            headers={"Retry-After": str(window.retry_after)},
        )
    return await handler(request.clone(client_max_size=settings.verify_max_bytes))
