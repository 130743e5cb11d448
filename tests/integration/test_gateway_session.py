"""The gateway's one upstream session (services/gateway/proxy.py `client_session`) is shared by
every client's requests, so it must carry nothing from one request to the next."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

from services.gateway.proxy import client_session


async def test_a_cookie_an_upstream_sets_is_never_sent_on_later_requests() -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        response = web.json_response({})
        response.set_cookie("session", "caller-one-secret")
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    # A name, not an address: cookie jars keep no cookie of a bare IP address, but a compose
    # deployment reaches the services by name.
    async with TestServer(app, host="localhost") as upstream:
        session = client_session()
        try:
            for _ in range(2):
                async with session.get(upstream.make_url("/")) as answer:
                    assert answer.status == 200 and "Set-Cookie" in answer.headers
        finally:
            await session.close()
    assert seen == [None, None]
