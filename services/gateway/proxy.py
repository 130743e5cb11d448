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
from shared.problems import Problem
from shared.upstreams import Upstreams, first_answer

log = logging.getLogger("countersign.gateway.proxy")

# Accept-Language: a campaign visitor's documents take their browser's language when the
# campaign sets none (services/documents/commands/campaign_submissions.py).
_FORWARD_REQUEST_HEADERS = ("Content-Type", "Accept", "Accept-Language", "If-None-Match", "Range")
_PASS_RESPONSE_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Length",
    "Location",
    "ETag",
    "Cache-Control",
    "Retry-After",
)


async def forward(
    request: web.Request, upstreams: Upstreams, path: str, internal: dict[str, str]
) -> web.StreamResponse:
    """To `path` on one of the service's replicas (shared/upstreams.py: least busy, failing over
    when one cannot be reached). `internal`: the caller's credential and identity
    (shared.internal_client.internal_headers)."""
    headers = {name: request.headers[name] for name in _FORWARD_REQUEST_HEADERS if name in request.headers}
    headers.update(internal)
    # body_exists, not can_read_body: a body already read (the idempotency step hashes it) is
    # at EOF yet still forwarded, from aiohttp's cached copy.
    body = await request.read() if request.body_exists else None
    query = list(request.query.items()) if request.query_string else None
    session = request.app[HTTP]

    async def send(base_url: str) -> aiohttp.ClientResponse:
        # The body is bytes already read, so a failed-over request sends it again whole.
        return await session.request(
            request.method, base_url + path, params=query, data=body, headers=headers, allow_redirects=False
        )

    try:
        upstream = await first_answer(upstreams, request.method, send)
    except (TimeoutError, aiohttp.ClientError) as exc:
        where = ", ".join(url.split("/", 3)[2] for url in upstreams.urls)
        log.warning("upstream unavailable: %s %s (%s)", request.method, where, type(exc).__name__)
        raise Problem(502, "An internal service is unavailable; try again shortly") from None
    async with upstream:
        content_type = upstream.headers.get("Content-Type", "")
        passed = {name: upstream.headers[name] for name in _PASS_RESPONSE_HEADERS if name in upstream.headers}
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


# A *_URL that names replicas by one DNS name (docker compose --scale): aiohttp hands each new
# connection the next of the name's addresses and, when one refuses, tries the others; a short
# cache lets a replica added or removed be seen within seconds.
DNS_CACHE_SECONDS = 10


def client_session(limit: int = 200) -> aiohttp.ClientSession:
    # No TraceConfig: the request id travels in the headers every internal call is built with
    # (shared.internal_client.internal_headers, here and in InternalClient). A session with any
    # trace config makes aiohttp build and send all of its ten tracing signals on every request,
    # ~3 % of the gateway's CPU per proxied read for the one signal that was used.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, keepalive_timeout=30, ttl_dns_cache=DNS_CACHE_SECONDS),
        timeout=aiohttp.ClientTimeout(total=120, sock_connect=5),
        auto_decompress=False,
        # One session serves every client: a cookie an upstream set while answering one caller
        # must never ride along on another caller's requests. Nothing keeps cookies.
        cookie_jar=aiohttp.DummyCookieJar(),
    )
