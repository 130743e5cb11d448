"""Failed authentication per client IP: a budget that, once spent, refuses before any lookup.

Used by the inSigner API (unknown, revoked or malformed keys), its signer routes (unknown signing
tokens, counted by services/gateway/signing_guard.py) and the WPsigner surface (its own budget,
WPSIGNER_IP_RATE_LIMIT_PER_MINUTE). Each failure is one `ratelimit.hit`; each request first
`peek`s the address's window, and while it is spent the answer is 429 without looking the
credential up — right or wrong, so a guesser learns nothing until the window ends. The price:
honest clients behind the same address wait out the minute with the guesser.

The failure that spends an `announced` budget is announced on CHANNEL (`spent <seconds>
<bucket>`) and answered only once every gateway has confirmed it (key_notices.confirmed):
gateways answer known keys from memory (key_cache.py) without reading the window, and learn from
that announcement that the address is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from services.gateway import ratelimit
from services.gateway.client_ip import client_ip
from services.gateway.key_notices import confirmed
from services.gateway.keys import TRUSTED
from shared.problems import Problem


@dataclass(frozen=True, slots=True)
class FailureBudget:
    prefix: str  # the bucket family in gateway.rate_limits: `<prefix>:<client ip>`
    limit: int
    window_seconds: int = ratelimit.MINUTE
    # Whether gateways answer from memory for this budget's addresses (key_cache.py): then the
    # failure that spends it is announced, and answered once every gateway has taken note.
    announced: bool = False

    def bucket(self, ip: str | None) -> str:
        return f"{self.prefix}:{ip or 'unknown'}"


# The gateway's one LISTEN channel: key changes (migration 0004's trigger) and spent budgets.
CHANNEL = "gateway_auth"


def spent_notice(bucket: str, seconds: float) -> str:
    return f"spent {seconds:.3f} {bucket}"


# The inSigner API's budget (keys and signing tokens share it), set from settings at start-up.
AUTH_FAILURES: web.AppKey[FailureBudget] = web.AppKey("auth_failure_budget", FailureBudget)


_CLIENT_IP: web.RequestKey[str | None] = web.RequestKey("countersign.client_ip", object)  # type: ignore[arg-type]


def request_ip(request: web.Request) -> str | None:
    """The client's address, worked out once per request (the budgets and the audit both ask)."""
    if _CLIENT_IP not in request:
        request[_CLIENT_IP] = client_ip(request.remote, request.headers.get("X-Forwarded-For"), request.app[TRUSTED])
    return request[_CLIENT_IP]


async def spent(conn: asyncpg.Connection, budget: FailureBudget, ip: str | None) -> ratelimit.Window | None:
    """The address's window when its failures have used the budget up (refuse), else None."""
    window = await ratelimit.peek(conn, budget.bucket(ip), budget.window_seconds, budget.limit)
    return window if window.spent else None


async def record_failure(conn: asyncpg.Connection, budget: FailureBudget, ip: str | None) -> ratelimit.Window:
    bucket = budget.bucket(ip)
    window = await ratelimit.hit(conn, bucket, budget.window_seconds, budget.limit)
    if budget.announced and window.spent:  # from now on the address is refused: every gateway must know
        notice = spent_notice(bucket, window.reset_at - window.now)
        await confirmed(conn, bucket, lambda: conn.execute("SELECT pg_notify($1, $2)", CHANNEL, notice), bool)
    return window


def too_many_failures(window: ratelimit.Window) -> Problem:
    return too_many_failures_for(window.reset_at - window.now)


def too_many_failures_for(seconds_left: float) -> Problem:
    return Problem(
        429,
        "Too many failed authentication attempts from this address. Please retry after the reset period.",
        headers={"Retry-After": str(max(math.ceil(seconds_left), 1))},
    )


async def refuse_if_spent(conn: asyncpg.Connection, budget: FailureBudget, ip: str | None) -> None:
    window = await spent(conn, budget, ip)
    if window is not None:
        raise too_many_failures(window)
