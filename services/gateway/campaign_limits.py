"""POST /api/v1/campaigns/{id}/submissions, before it is forwarded: budgets per client IP and per
submitted email address.

The public link needs no API key and each accepted submission makes and sends a document (an
invitation email), so every attempt, answered or not, counts in the gateway's one limiter
(ratelimit.py): bucket `campaign-ip:<ip>` (CAMPAIGN_SUBMIT_LIMIT_PER_IP_PER_HOUR) and
`campaign-email:<address, lower-cased>` (CAMPAIGN_SUBMIT_LIMIT_PER_EMAIL_PER_HOUR, across
campaigns: one inbox cannot be flooded from many addresses). Past either, 429 before anything is
forwarded. A body that is not JSON or has no email is not counted by email; the documents
service refuses it anyway.
"""

from __future__ import annotations

import json

from aiohttp import web

from services.gateway import ratelimit
from services.gateway.api_limits import rate_limited
from services.gateway.auth import CAMPAIGN_SUBMISSIONS
from services.gateway.auth_failures import request_ip
from services.gateway.keys import SETTINGS
from shared.db import POOL
from shared.web import Handler

_DETAIL = "Too many campaign submissions from this {}. Please retry after the reset period."


def _email_of(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    email = data.get("email") if isinstance(data, dict) else None
    return email.strip().lower()[:254] if isinstance(email, str) and email.strip() else None


@web.middleware
async def campaign_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != "POST" or not CAMPAIGN_SUBMISSIONS.fullmatch(request.path):
        return await handler(request)
    settings = request.app[SETTINGS]
    email = _email_of(await request.read()) if request.body_exists else None  # read once, cached for the proxy
    budgets = [
        (f"campaign-ip:{request_ip(request) or 'unknown'}", settings.campaign_submit_limit_per_ip_per_hour, "address")
    ]
    if email is not None:
        budgets.append((f"campaign-email:{email}", settings.campaign_submit_limit_per_email_per_hour, "email address"))
    async with request.app[POOL].acquire() as conn:
        for bucket, limit, whose in budgets:
            window = await ratelimit.hit(conn, bucket, ratelimit.HOUR, limit)
            if window.exceeded:
                raise rate_limited(window, _DETAIL.format(whose))
    return await handler(request)
