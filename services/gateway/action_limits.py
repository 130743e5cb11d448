"""Budgets of single actions of the inSigner API, on top of the per-key budget (api_limits.py).

The reference's rate-limits page: webhook creations, 10 per hour per user (the key's member,
whichever of the member's keys is used); bulk sends, 1 per 5 minutes per organisation (its JSON
and CSV ways in share the one budget). Only successful actions count: the hit reserves one before the request is
forwarded (so concurrent requests cannot overshoot the limit) and an unsuccessful answer — a
validation error, a refusal, an upstream failure — gives it back, so fixing a bad request costs
nothing. A request over the limit is answered 429 and not forwarded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from services.gateway import ratelimit
from services.gateway.api_limits import rate_limited
from services.gateway.auth import caller_key
from services.gateway.credentials import ApiKey
from services.gateway.keys import SETTINGS
from shared.contracts.routes import BULK_SENDS
from shared.db import POOL
from shared.settings import Settings
from shared.web import Handler

BULK_SEND_WINDOW = 5 * ratelimit.MINUTE


@dataclass(frozen=True, slots=True)
class ActionBudget:
    name: str  # bucket family: `<name>:<member or organisation id>`
    per: Callable[[ApiKey], str]  # whose budget it is
    limit: Callable[[Settings], int]
    window_seconds: int
    detail: str


ACTION_BUDGETS: dict[tuple[str, str], ActionBudget] = {
    ("POST", "/api/v1/webhooks"): ActionBudget(
        "webhook-create",
        lambda key: key.member_id,
        lambda s: s.webhook_create_limit_per_hour,
        ratelimit.HOUR,
        "Webhook creation limit exceeded (10 per hour per user by default). Please retry after the reset period.",
    ),
    **{
        ("POST", path): ActionBudget(
            "bulk-send",
            lambda key: key.org_id,
            lambda s: s.bulk_send_limit_per_5_minutes,
            BULK_SEND_WINDOW,
            "Bulk send limit exceeded (1 per 5 minutes per organization by default). "
            "Please retry after the reset period.",
        )
        for path in (BULK_SENDS, BULK_SENDS + "/csv")
    },
}


@web.middleware
async def action_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    budget = ACTION_BUDGETS.get((request.method, request.path))
    key = caller_key(request) if budget is not None else None
    if budget is None or key is None:
        return await handler(request)
    bucket = f"{budget.name}:{budget.per(key)}"
    async with request.app[POOL].acquire() as conn:
        window = await ratelimit.hit(conn, bucket, budget.window_seconds, budget.limit(request.app[SETTINGS]))
        if window.exceeded:
            await ratelimit.refund(conn, bucket, budget.window_seconds, window)  # a refusal is not an action
            raise rate_limited(window, budget.detail)
    succeeded = False
    try:
        response = await handler(request)
        succeeded = 200 <= response.status < 300
        return response
    finally:
        if not succeeded:
            async with request.app[POOL].acquire() as conn:
                await ratelimit.refund(conn, bucket, budget.window_seconds, window)
