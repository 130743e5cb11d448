"""The inSigner API's request budgets (the reference's rate-limits page), over services.gateway.ratelimit.

- Per API key: API_RATE_LIMIT_PER_MINUTE (120) per clock minute, or the key's own limit set by an
  operator (`countersign keys limit KEY_ID N`; 0 = no limit). Counted by `count_key_request`,
  which the key middleware (auth.py) calls on the connection it already holds for the key lookup:
  one upsert per request. Every request counts, refused ones included; a request over the limit
  is answered 429 before anything is forwarded.
- Every answer to a counted request carries RateLimit-Limit / -Remaining / -Reset (seconds until
  the window resets): successes, errors and streamed PDF downloads alike, because the headers are
  added by an `on_response_prepare` hook, the one moment every response passes before its
  headers leave. A key without a limit gets no such headers.
- Per action: services/gateway/action_limits.py (webhook creations per member).
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.gateway import ratelimit
from services.gateway.credentials import ApiKey
from services.gateway.keys import SETTINGS
from shared.problems import Problem

KEY_WINDOW: web.RequestKey[ratelimit.Window] = web.RequestKey("countersign.key_rate_limit", ratelimit.Window)

RATE_LIMITED_DETAIL = "Rate limit exceeded. Please retry after the reset period."


def key_limit(key: ApiKey, default: int) -> int | None:
    """Requests per minute allowed to this key; None: no limit."""
    if key.rate_limit_per_minute is None:
        return default
    return key.rate_limit_per_minute or None


def rate_limited(window: ratelimit.Window, detail: str = RATE_LIMITED_DETAIL) -> Problem:
    """The reference's 429: type …/rate-limited, title "Too Many Requests", Retry-After."""
    return Problem(429, detail, headers={"Retry-After": str(window.retry_after)})


async def count_key_request(conn: asyncpg.Connection, request: web.Request, key: ApiKey) -> None:
    """Count the request against its key; 429 when the key's budget is spent."""
    limit = key_limit(key, request.app[SETTINGS].api_rate_limit_per_minute)
    if limit is None:
        return
    window = await ratelimit.hit(conn, f"api-key:{key.id}", ratelimit.MINUTE, limit)
    request[KEY_WINDOW] = window  # the answer carries the headers whatever happens next
    if window.exceeded:
        raise rate_limited(window)


async def add_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the key's window on every answer to a counted request."""
    window = request.get(KEY_WINDOW)
    if window is not None:
        response.headers.update(ratelimit.standard_headers(window))
