"""The one internal client (shared/internal_client.py) against a real internal service: an aiohttp
app behind the same caller authentication every Countersign service uses (shared/context.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from shared.callers import add_internal_route
from shared.context import H_ORG, RequestContext, internal_auth_middleware, request_context
from shared.internal_client import Answer, InternalClient, Unavailable, internal_headers
from shared.logging import request_id_var
from shared.web import REQUEST_ID_HEADER, base_app, json_response
from tests.harness import serve

SECRET = "internal-client-test-secret-" + "x" * 16
CTX = RequestContext(org_id="org_1", actor_type="api_key", actor_id="key_1", ip="203.0.113.9", user_agent="curl/8")


def _app(stall: asyncio.Event) -> web.Application:
    app = base_app(1024 * 1024, [internal_auth_middleware(SECRET)])

    async def echo(request: web.Request) -> web.Response:
        ctx = request_context(request)
        body = await request.json() if request.can_read_body else None
        return json_response(
            {
                "data": {
                    "org": ctx.org_id,
                    "actor": ctx.actor_id,
                    "ip": ctx.ip,
                    "body": body,
                    "query": dict(request.query),
                    "requestId": request.headers.get(REQUEST_ID_HEADER),
                }
            }
        )

    async def garbled(_: web.Request) -> web.Response:
        return web.Response(body=b"{not json", content_type="application/json")

    async def text(_: web.Request) -> web.Response:
        return web.Response(text="plain words")

    async def stalled(_: web.Request) -> web.Response:
        await stall.wait()
        return web.Response(status=204)

    add_internal_route(app, "POST", "/internal/echo", echo, callers=("audit",))
    add_internal_route(app, "GET", "/internal/garbled", garbled, callers=("audit",))
    add_internal_route(app, "GET", "/internal/text", text, callers=("audit",))
    add_internal_route(app, "GET", "/internal/stalled", stalled, callers=("audit",))
    return app


@pytest.fixture
async def service() -> AsyncIterator[tuple[str, asyncio.Event]]:
    stall = asyncio.Event()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    running = await serve("internal-client-peer", _app(stall), sock)
    yield running.url, stall
    stall.set()
    await running.runner.cleanup()
    sock.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def test_a_call_carries_caller_identity_body_query_and_request_id(
    service: Any, session: aiohttp.ClientSession
) -> None:
    url, _ = service
    client = InternalClient(session, url, SECRET, "audit")
    token = request_id_var.set("req-from-context")
    try:
        answer = await client.call(
            "POST", "/internal/echo", identity=CTX.identity_headers(), json={"a": 1}, params={"q": "v"}
        )
    finally:
        request_id_var.reset(token)
    assert answer.status == 200
    assert answer.body["data"] == {
        "org": "org_1",
        "actor": "key_1",
        "ip": "203.0.113.9",
        "body": {"a": 1},
        "query": {"q": "v"},
        "requestId": "req-from-context",
    }
    # An explicit request id (a job's, outside any request) wins over the context's.
    answer = await client.call("POST", "/internal/echo", identity={H_ORG: "org_2"}, request_id="job-7")
    assert answer.body["data"]["org"] == "org_2" and answer.body["data"]["requestId"] == "job-7"


async def test_refusals_are_answers_for_the_caller_to_read(service: Any, session: aiohttp.ClientSession) -> None:
    url, _ = service
    # Another caller's credential: the route is not its to use, and that is an answer (404), not an outage.
    refused = await InternalClient(session, url, SECRET, "notifier").call("POST", "/internal/echo", json={})
    assert refused.status == 404 and refused.body["type"].endswith("/not-found")
    wrong_secret = await InternalClient(session, url, "another-secret", "audit").call("POST", "/internal/echo")
    assert wrong_secret.status == 401
    assert await InternalClient(session, url, SECRET, "audit").call("GET", "/internal/text") == Answer(200, None)


async def test_no_answer_is_unavailable(service: Any, session: aiohttp.ClientSession) -> None:
    url, stall = service
    with pytest.raises(Unavailable):
        await InternalClient(session, url, SECRET, "audit").call("GET", "/internal/garbled")
    short = InternalClient(session, url, SECRET, "audit", timeout=aiohttp.ClientTimeout(total=0.2))
    with pytest.raises(Unavailable):
        await short.call("GET", "/internal/stalled")
    assert not stall.is_set()  # it timed out; the service never answered
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        dead = InternalClient(session, f"http://127.0.0.1:{closed.getsockname()[1]}", SECRET, "audit")
        with pytest.raises(Unavailable):
            await dead.call("GET", "/internal/text")
    finally:
        closed.close()


def test_identity_cannot_override_the_credential() -> None:
    forged = {"X-Countersign-Caller": "operator", "X-Countersign-Internal": "forged", H_ORG: "org_1"}
    headers = internal_headers(SECRET, "public", forged)
    assert headers["X-Countersign-Caller"] == "public" and headers["X-Countersign-Internal"] != "forged"
    assert headers[H_ORG] == "org_1"
