"""The middleware of /wp-json/wpsigner/v1: admission and the WordPress error shape.

For every request under the prefix, in this order:
1. no route / wrong method: `rest_no_route` (404 / 405), as WordPress answers before any auth;
2. credentials: 401 `rest_forbidden`, counted against the client IP's per-minute budget of
   failures (services/gateway/auth_failures.py); once it is spent, the address gets 429 before
   any credential is looked up, right or wrong, until the minute ends;
3. the credential's hourly limit: 429 `rest_rate_limit_exceeded` with Retry-After; every
   authenticated answer carries X-RateLimit-Limit / -Remaining / -Reset;
4. Read Only credentials: any method but GET (and HEAD) is 403 `rest_forbidden`;
5. the handler, at most once per `Idempotency-Key` on POSTs (idempotency.py). Whatever it
   raises — our errors, aiohttp's (413, bad body), a core problem, an unexpected exception — leaves as `{"code", "message", "data": {"status"}}`, never as the
   inSigner surface's problem+json. The inSigner middleware acts only on /api/v1.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from services.gateway.auth_failures import FailureBudget, record_failure, spent
from services.gateway.ratelimit import HOUR, hit
from services.gateway.wpsigner import errors
from services.gateway.wpsigner.auth import CALLER, authenticate, presented, remote_ip
from services.gateway.wpsigner.config import WpConfig
from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.idempotency import run_idempotent
from services.gateway.wpsigner.ratelimit import limit_headers
from shared.db import POOL
from shared.problems import Problem
from shared.web import UNAVAILABLE_ERRORS, Handler

log = logging.getLogger("countersign.gateway.wpsigner")

PREFIX = "/wp-json/wpsigner/v1"
READ_METHODS = frozenset({"GET", "HEAD"})
CONFIG: web.AppKey[WpConfig] = web.AppKey("wpsigner_config", WpConfig)


def is_wpsigner_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


async def admit(request: web.Request) -> dict[str, str]:
    """Authenticate and count the request; returns the rate-limit headers for the answer."""
    config = request.app[CONFIG]
    credentials = presented(request)
    failures, ip = FailureBudget("ip", config.ip_rate_limit_per_minute), remote_ip(request)
    async with request.app[POOL].acquire() as conn:
        blocked = await spent(conn, failures, ip)
        if blocked is not None:
            raise errors.rate_limited(blocked.retry_after)
        caller = await authenticate(conn, *credentials) if credentials else None
        if caller is None:
            window = await record_failure(conn, failures, ip)
            if window.exceeded:
                raise errors.rate_limited(window.retry_after)
            if credentials is None and not (
                request.headers.get("X-WPS-API-Key") or request.headers.get("X-WPS-API-Secret")
            ):
                raise errors.bad_credentials("Missing API credentials: send X-WPS-API-Key and X-WPS-API-Secret.")
            raise errors.bad_credentials()
        window = await hit(conn, f"key:{caller.key_id}", HOUR, config.rate_limit_per_hour)
    headers = limit_headers(window)
    if window.exceeded:
        error = errors.rate_limited(window.retry_after)
        error.headers.update(headers)
        raise error
    if caller.read_only and request.method not in READ_METHODS:
        error = errors.read_only()
        error.headers.update(headers)
        raise error
    request[CALLER] = caller
    return headers


def _from_problem(problem: Problem) -> WpError:
    """A Problem raised inside the gateway (shared helpers), in the WordPress shape."""
    if problem.status == 400 and problem.slug == "invalid-json":
        return errors.invalid_json()
    if problem.status == 413:
        return errors.too_large()
    if problem.status == 503:
        return errors.unavailable()
    if problem.status >= 500:
        return errors.upstream_unavailable()
    return WpError(problem.status, "rest_error", problem.detail)


@web.middleware
async def wpsigner_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_wpsigner_path(request.path):
        return await handler(request)
    headers: dict[str, str] = {}
    try:
        refusal = request.match_info.http_exception
        if refusal is not None:
            raise errors.for_http_status(refusal.status, request.method, refusal.headers.get("Allow"))
        headers = await admit(request)
        response = await run_idempotent(request, handler)  # the handler, once per Idempotency-Key
        if not response.prepared:
            response.headers.update(headers)
        return response
    except WpError as error:
        return errors.error_response(error, headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return errors.error_response(
            errors.for_http_status(exc.status, request.method, exc.headers.get("Allow")), headers
        )
    except Problem as problem:
        return errors.error_response(_from_problem(problem), headers)
    except asyncio.CancelledError:
        raise
    except UNAVAILABLE_ERRORS as exc:
        log.warning("backing service unavailable: %r", exc)
        return errors.error_response(errors.unavailable(), headers)
    except Exception:
        log.exception("unhandled error on the WPsigner API")
        return errors.error_response(errors.internal_error(), headers)
