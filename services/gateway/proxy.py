"""Forwarding a request to an internal service with the caller's identity.

The caller (services/gateway/routes.py) names the upstream URL, rebuilt from the matched route;
nothing of the client's raw path is used here. The query string is re-encoded from its parsed
parameters, so what the internal service parses is what the gateway parsed.

One pooled aiohttp session per gateway process (keep-alive, no per-request connection setup).
JSON answers are passed through whole; anything else (PDF downloads) is streamed, so memory
stays flat whatever the file size.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web

from services.gateway.keys import HTTP
from shared.logging import request_id_var
from shared.problems import Problem
from shared.web import REQUEST_ID_HEADER

log = logging.getLogger("countersign.gateway.proxy")

_FORWARD_REQUEST_HEADERS = ("Content-Type", "Accept", "If-None-Match", "Range")
_PASS_RESPONSE_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Length",
    "Location",
    "ETag",
    "Cache-Control",
    "Retry-After",
)


async def forward(request: web.Request, url: str, internal: dict[str, str]) -> web.StreamResponse:
    """`internal`: the caller's credential and identity (shared.internal_client.internal_headers)."""
    headers = {name: request.headers[name] for name in _FORWARD_REQUEST_HEADERS if name in request.headers}
    headers.update(internal)
    # body_exists, not can_read_body: a middleware may have read (and cached) the body already.
    body = await request.read() if request.body_exists else None
    query = list(request.query.items())
    session = request.app[HTTP]
    try:
        upstream = await session.request(
            request.method, url, params=query, data=body, headers=headers, allow_redirects=False
        )
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.warning("upstream unavailable: %s %s (%s)", request.method, url.split("/", 3)[2], type(exc).__name__)
        raise Problem(502, "An internal service is unavailable; try again shortly") from None
    async with upstream:
        content_type = upstream.headers.get("Content-Type", "")
        passed = {name: upstream.headers[name] for name in _PASS_RESPONSE_HEADERS if name in upstream.headers}
        passed.update({k: v for k, v in upstream.headers.items() if k.upper().startswith("X-WP-")})
        if upstream.status == 204:
            return web.Response(status=204)
        if "json" in content_type:
            passed.pop("Content-Length", None)
            return web.Response(status=upstream.status, body=await upstream.read(), headers=passed)
        response = web.StreamResponse(status=upstream.status, headers=passed)
        await response.prepare(request)
        async for chunk in upstream.content.iter_chunked(256 * 1024):
            await response.write(chunk)
        await response.write_eof()
        return response


async def _propagate_request_id(_: aiohttp.ClientSession, __: object, params: aiohttp.TraceRequestStartParams) -> None:
    # Every call the gateway makes to an internal service while handling a request carries that
    # request's id, so the internal service logs under the same id. Done here, on the session,
    # so no call site (proxying, the org endpoint, future ones) can forget it.
    request_id = request_id_var.get()
    if request_id and not params.headers.get(REQUEST_ID_HEADER):
        params.headers[REQUEST_ID_HEADER] = request_id


def client_session(limit: int = 200) -> aiohttp.ClientSession:
    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(_propagate_request_id)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, keepalive_timeout=30, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=120, sock_connect=5),
        auto_decompress=False,
        trace_configs=[trace],
    )
