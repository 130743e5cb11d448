"""The gateway, end to end: authentication, scopes, request ids, problem errors, the internal
credential, and the client IP and user agent that reach the documents service's events."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from services.gateway import credentials
from services.gateway.app import create_app as gateway_app
from shared.callers import H_CALLER, H_SECRET, credential
from shared.context import H_ACTOR_ID, H_ORG
from shared.logging import JsonFormatter
from shared.settings import Settings
from shared.web import base_app
from tests.conftest import Api
from tests.harness import RunningService, System, serve

PROBLEM_BASE = "https://docs.insigner.com/errors/"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
VALID_KEY_SHAPE = "isk_" + "A" * 44


def _socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def assert_problem(
    status: int, body: object, resp: aiohttp.ClientResponse, expected: int, slug: str | None = None
) -> dict:
    assert status == expected, body
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert isinstance(body, dict)
    assert set(body) <= {"type", "title", "status", "detail", "errors"}
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == expected
    assert body["type"].startswith(PROBLEM_BASE)
    if slug:
        assert body["type"] == PROBLEM_BASE + slug
    assert resp.headers.get("X-Request-Id")
    return body


# --- authentication ------------------------------------------------------------------------------


async def test_missing_key_is_401(system: System, http: aiohttp.ClientSession) -> None:
    status, body, resp = await Api(http, system.gateway_url, None).request("GET", "/api/v1/documents")
    assert_problem(status, body, resp, 401, "unauthorized")
    assert "Missing" in body["detail"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wps_" + "A" * 44,  # wrong prefix
        "Bearer isk_" + "A" * 43,  # too short
        "Bearer isk_" + "A" * 45,  # too long
        "Bearer isk_" + "A" * 40 + "!@#$",  # not URL-safe
        "Basic " + VALID_KEY_SHAPE,  # wrong scheme
        VALID_KEY_SHAPE,  # no scheme
        "Bearer",
        "Bearer ",
    ],
)
async def test_malformed_key_is_401(system: System, http: aiohttp.ClientSession, authorization: str) -> None:
    api = Api(http, system.gateway_url, None)
    status, body, resp = await api.request("GET", "/api/v1/documents", headers={"Authorization": authorization})
    assert_problem(status, body, resp, 401, "unauthorized")
    assert "Malformed" in body["detail"]


async def test_unknown_key_is_401(system: System, http: aiohttp.ClientSession) -> None:
    api = Api(http, system.gateway_url, credentials.new_insigner_key())
    status, body, resp = await api.request("GET", "/api/v1/org")
    assert_problem(status, body, resp, 401, "unauthorized")


async def test_revoked_key_fails_on_the_very_next_request(api: Api, db: asyncpg.Pool) -> None:
    status, _, _ = await api.request("GET", "/api/v1/documents")
    assert status == 200
    key_id = await db.fetchval("SELECT id FROM gateway.api_keys WHERE org_id = $1", api.org_id)
    async with db.acquire() as conn:
        assert await credentials.revoke_key(conn, key_id) is not None
    status, body, resp = await api.request("GET", "/api/v1/documents")
    assert_problem(status, body, resp, 401, "unauthorized")


async def test_key_is_not_logged(make_api, capture_logs: list[dict]) -> None:  # type: ignore[no-untyped-def]
    api = await make_api()
    await api.request("GET", "/api/v1/documents")
    await api.request("GET", "/api/v1/documents", headers={"Authorization": "Bearer isk_" + "B" * 43})
    assert capture_logs
    assert api.key not in json.dumps(capture_logs)
    assert api.key[4:] not in json.dumps(capture_logs)


# --- scopes -------------------------------------------------------------------------------------


async def test_key_without_the_route_scope_is_403(make_api) -> None:  # type: ignore[no-untyped-def]
    org_only = await make_api(scopes=["org.read"])
    status, body, resp = await org_only.request("GET", "/api/v1/documents")
    assert_problem(status, body, resp, 403, "forbidden")
    assert "documents.read" in body["detail"]
    assert (await org_only.request("GET", "/api/v1/org"))[0] == 200

    reader = await make_api(scopes=["documents.read"])
    assert (await reader.request("GET", "/api/v1/documents"))[0] == 200
    status, body, resp = await reader.request("POST", "/api/v1/documents", json={"name": "Nope"})
    assert_problem(status, body, resp, 403, "forbidden")
    assert "documents.create" in body["detail"]
    # Nothing was created by the refused request.
    assert (await reader.request("GET", "/api/v1/documents"))[1]["data"] == []


async def test_resource_wildcard_and_other_resource_wildcards(make_api) -> None:  # type: ignore[no-untyped-def]
    documents_all = await make_api(scopes=["documents.*"])
    assert (await documents_all.request("POST", "/api/v1/documents", json={"name": "Wildcard"}))[0] == 201
    assert (await documents_all.request("GET", "/api/v1/org"))[0] == 403

    others = await make_api(scopes=["campaigns.*", "webhooks.*", "bulk_sends.*", "templates.read"])
    assert (await others.request("GET", "/api/v1/documents"))[0] == 403
    assert (await others.request("POST", "/api/v1/documents", json={"name": "x"}))[0] == 403


# --- request ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent", ["abc-123", "req_01HXYZ.retry:2", "A" * 128, pytest.param(uuid.uuid4().hex, id="uuid4-hex")]
)
async def test_valid_request_id_is_echoed(api: Api, sent: str) -> None:
    _, _, resp = await api.request("GET", "/api/v1/documents", headers={"X-Request-Id": sent})
    assert resp.headers["X-Request-Id"] == sent


@pytest.mark.parametrize("sent", [None, "", "has spaces", "A" * 129, "semi;colon", "new\u00e9line", "<script>"])
async def test_invalid_or_missing_request_id_is_replaced(api: Api, sent: str | None) -> None:
    headers = {"X-Request-Id": sent} if sent is not None else {}
    _, _, first = await api.request("GET", "/api/v1/documents", headers=headers)
    _, _, second = await api.request("GET", "/api/v1/documents", headers=headers)
    assert GENERATED_ID.match(first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


async def test_request_id_on_error_responses(system: System, http: aiohttp.ClientSession, api: Api) -> None:
    anonymous = Api(http, system.gateway_url, None)
    for client, method, path in (
        (anonymous, "GET", "/api/v1/documents"),
        (api, "GET", "/api/v1/nope"),
        (api, "PUT", "/api/v1/documents"),
        (api, "GET", "/api/v1/documents/doesnotexist"),
    ):
        _, _, resp = await client.request(method, path, headers={"X-Request-Id": "err-trace-1"})
        assert resp.status >= 400
        assert resp.headers["X-Request-Id"] == "err-trace-1"
        _, _, resp = await client.request(method, path)
        assert GENERATED_ID.match(resp.headers["X-Request-Id"])


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def capture_logs() -> Iterator[list[dict]]:
    """Every log line of the in-process services, formatted exactly as in production."""
    handler = _Capture()
    logger = logging.getLogger("countersign")
    saved = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


async def test_request_id_in_log_lines_of_every_service(api: Api, capture_logs: list[dict]) -> None:
    request_id = "trace-" + uuid.uuid4().hex
    status, _, resp = await api.request("GET", "/api/v1/org", headers={"X-Request-Id": request_id})
    assert status == 200
    assert resp.headers["X-Request-Id"] == request_id
    mine = [line for line in capture_logs if line.get("requestId") == request_id]
    paths = {line.get("path") for line in mine if line["msg"] == "request"}
    # The gateway's line for the public path, the documents service's for its internal call.
    assert paths == {"/api/v1/org", "/internal/org-stats"}

    # A proxied request the service answers: one request line, the gateway's (the service's would
    # repeat it under the same id).
    request_id = "trace-" + uuid.uuid4().hex
    status, body, _ = await api.request(
        "POST", "/api/v1/documents", json={"name": "Traced"}, headers={"X-Request-Id": request_id}
    )
    assert status == 201
    lines = [line for line in capture_logs if line.get("requestId") == request_id and line["msg"] == "request"]
    assert [(line["path"], line["status"]) for line in lines] == [("/api/v1/documents", 201)]
    # No line written while handling it lacks the id.
    assert all(line["requestId"] for line in capture_logs if line.get("path") == "/api/v1/documents")

    # One the service refuses: it logs its own line too, under the id the proxy carried to it (so
    # the same path and status twice: the harness runs every service in one process).
    request_id = "trace-" + uuid.uuid4().hex
    path = f"/api/v1/documents/{body['data']['id']}/send"
    status, _, _ = await api.request("POST", path, headers={"X-Request-Id": request_id})
    assert status == 422  # a draft without a file cannot be sent
    lines = [line for line in capture_logs if line.get("requestId") == request_id and line["msg"] == "request"]
    assert [(line["path"], line["status"]) for line in lines] == [(path, 422)] * 2


# --- problem errors -----------------------------------------------------------------------------


async def test_malformed_json_is_400(api: Api) -> None:
    status, body, resp = await api.request(
        "POST", "/api/v1/documents", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(status, body, resp, 400)
    assert (await api.request("GET", "/api/v1/documents"))[1]["data"] == []


async def test_unknown_route_under_api_v1_is_404(system: System, http: aiohttp.ClientSession, api: Api) -> None:
    for path in ("/api/v1/nope", "/api/v1/documents/x/y/z/w", "/api/v1/"):
        status, body, resp = await api.request("GET", path)
        assert_problem(status, body, resp, 404, "not-found")
    # Without a key the gateway does not even say whether the route exists.
    status, body, resp = await Api(http, system.gateway_url, None).request("GET", "/api/v1/nope")
    assert_problem(status, body, resp, 401)


async def test_wrong_method_is_405(api: Api) -> None:
    status, body, resp = await api.request("PUT", "/api/v1/documents", json={"name": "x"})
    assert_problem(status, body, resp, 405, "method-not-allowed")
    assert "PUT" in body["detail"]
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


async def test_oversized_body_is_413(api: Api, system: System) -> None:
    limit = system.settings.max_body_bytes
    huge = json.dumps({"name": "Big", "message": "x" * limit})
    assert len(huge) > limit
    status, body, resp = await api.request(
        "POST", "/api/v1/documents", data=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(status, body, resp, 413, "payload-too-large")
    assert (await api.request("GET", "/api/v1/documents"))[1]["data"] == []


@pytest.fixture
async def crashing_app() -> AsyncIterator[RunningService]:
    async def boom(_: web.Request) -> web.Response:
        raise RuntimeError("connection string postgresql://admin:hunter2@db/prod is wrong")

    app = base_app(1024)
    app.router.add_get("/boom", boom)
    service = await serve("crashing", app, _socket())
    yield service
    await service.runner.cleanup()


async def test_500_leaks_nothing(
    crashing_app: RunningService, http: aiohttp.ClientSession, capture_logs: list[dict]
) -> None:
    async with http.get(crashing_app.url + "/boom", headers={"X-Request-Id": "crash-1"}) as resp:
        raw = await resp.text()
        assert resp.status == 500
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        assert resp.headers["X-Request-Id"] == "crash-1"
    body = json.loads(raw)
    assert body == {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred",
    }
    for leak in ("hunter2", "RuntimeError", "Traceback", "postgresql", "boom", ".py"):
        assert leak not in raw
    # The details go to the log instead, under the request's id.
    [logged] = [line for line in capture_logs if line["msg"] == "unhandled error"]
    assert logged["requestId"] == "crash-1" and "RuntimeError" in logged["exc"]


# --- internal services --------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["documents", "audit", "notifier"])
async def test_internal_ports_require_the_gateway_credential(
    system: System, http: aiohttp.ClientSession, api: Api, service: str
) -> None:
    base = system.services[service].url
    forged = {H_ORG: api.org_id or "", H_ACTOR_ID: "key_forged"}
    secret = system.settings.require_internal_secret()
    public = credential(secret, "public")
    for headers in (
        forged,
        forged | {H_SECRET: "wrong"},
        forged | {H_SECRET: ""},
        {H_SECRET: "x" * 64},
        forged | {H_SECRET: secret},  # the master secret itself is nobody's credential
        forged | {H_CALLER: "gateway", H_SECRET: public},  # one caller's credential as another
        forged | {H_CALLER: "root", H_SECRET: public},
        forged | {H_CALLER: "public", H_SECRET: public.lower()},
    ):
        for path in ("/api/v1/documents", "/internal/org-stats", "/no-such-path"):
            async with http.get(base + path, headers=headers) as resp:
                body = await resp.json(content_type=None)
                assert resp.status == 401, (service, path, body)
                assert resp.headers["Content-Type"].startswith("application/problem+json")
                assert body["type"] == PROBLEM_BASE + "unauthorized"
    async with http.get(base + "/healthz") as resp:
        assert resp.status == 200


async def test_client_cannot_smuggle_identity_headers(make_api) -> None:  # type: ignore[no-untyped-def]
    alice, mallory = await make_api(), await make_api()
    status, body, _ = await mallory.request(
        "POST",
        "/api/v1/documents",
        json={"name": "Planted"},
        headers={H_ORG: alice.org_id, H_ACTOR_ID: "key_forged", "X-Countersign-Actor-Type": "system"},
    )
    assert status == 201, body
    assert (await alice.request("GET", f"/api/v1/documents/{body['data']['id']}"))[0] == 404
    assert (await mallory.request("GET", f"/api/v1/documents/{body['data']['id']}"))[0] == 200


# --- client IP and user agent -------------------------------------------------------------------


@pytest.fixture
async def proxied_gateway(system: System) -> AsyncIterator[str]:
    """A second gateway that trusts 127.0.0.1 as a reverse proxy, in front of the same services."""
    settings: Settings = system.settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    service = await serve("gateway-behind-proxy", gateway_app(settings), _socket())
    yield service.url
    await service.runner.cleanup()


async def created_event_actor(db: asyncpg.Pool, document_id: str) -> dict:
    body = await db.fetchval(
        "SELECT body FROM documents.outbox WHERE event_type = 'document.created' AND body->>'documentId' = $1",
        document_id,
    )
    assert body is not None
    return body["actor"]


async def test_forwarded_for_from_a_trusted_proxy_reaches_the_event(
    api: Api, db: asyncpg.Pool, proxied_gateway: str
) -> None:
    behind_proxy = Api(api.session, proxied_gateway, api.key, api.org_id)
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.42", "User-Agent": "CountersignTest/1.0 (+e2e)"}
    status, body, _ = await behind_proxy.request(
        "POST", "/api/v1/documents", json={"name": "Via proxy"}, headers=headers
    )
    assert status == 201, body
    actor = await created_event_actor(db, body["data"]["id"])
    # The rightmost address our (trusted) proxy did not add itself.
    assert actor["ip"] == "203.0.113.42"
    assert actor["userAgent"] == "CountersignTest/1.0 (+e2e)"
    assert actor["type"] == "api_key" and actor["id"].startswith("key_")


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(api: Api, db: asyncpg.Pool) -> None:
    headers = {"X-Forwarded-For": "203.0.113.42", "User-Agent": "Spoofer/2.0"}
    status, body, _ = await api.request("POST", "/api/v1/documents", json={"name": "Direct"}, headers=headers)
    assert status == 201, body
    actor = await created_event_actor(db, body["data"]["id"])
    assert actor["ip"] == "127.0.0.1"
    assert actor["userAgent"] == "Spoofer/2.0"


async def test_upstream_down_is_502_without_internal_details(system: System, api: Api) -> None:
    dead = _socket()  # bound, never listening: connections are refused
    dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    settings = system.settings.model_copy(update={"documents_url": dead_url})
    service = await serve("gateway-dead-upstream", gateway_app(settings), _socket())
    try:
        lonely = Api(api.session, service.url, api.key, api.org_id)
        status, body, resp = await lonely.request("GET", "/api/v1/documents")
        assert_problem(status, body, resp, 502, "bad-gateway")
        assert dead_url.split(":")[-1] not in json.dumps(body)
        # The gateway's own call (the organisation's document counts) maps "unavailable" the same way.
        status, body, resp = await lonely.request("GET", "/api/v1/org")
        assert_problem(status, body, resp, 502, "bad-gateway")
        assert dead_url.split(":")[-1] not in json.dumps(body)
        async with api.session.get(service.url + "/readyz") as ready:
            checks = (await ready.json())["checks"]
            assert ready.status == 503
            assert checks["documents"].startswith("failing") and checks["audit"] == "ok"
    finally:
        await service.runner.cleanup()
        dead.close()


async def test_database_away_is_503_not_500(system: System, api: Api) -> None:
    from tests.tcp_proxy import TcpProxy

    proxy = await TcpProxy("127.0.0.1", 5432).start()
    url = system.settings.database_url.replace(":5432/", f":{proxy.port}/")
    assert str(proxy.port) in url
    service = await serve(
        "gateway-db-proxy", gateway_app(system.settings.model_copy(update={"database_url": url})), _socket()
    )
    try:
        through = Api(api.session, service.url, api.key, api.org_id)
        assert (await through.request("GET", "/api/v1/documents"))[0] == 200
        proxy.outage()  # PostgreSQL restarts under the gateway
        status, body, resp = await through.request("GET", "/api/v1/documents")
        assert_problem(status, body, resp, 503, "service-unavailable")
        assert resp.headers["Retry-After"]
        await proxy.accept()

        async def recovered() -> bool:
            return (await through.request("GET", "/api/v1/documents"))[0] == 200

        from tests.scratch import eventually

        await eventually(recovered, 15, "the gateway to answer again once the database is back")
    finally:
        await service.runner.cleanup()
        await proxy.close()


async def test_a_client_hanging_up_mid_body_is_not_a_backing_service_failure(
    api: Api, system: System, capture_logs: list[dict]
) -> None:
    host, port = system.gateway_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        (
            f"POST /api/v1/documents HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {api.key}\r\n"
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": '
        ).encode()
    )
    await writer.drain()
    await asyncio.sleep(0.2)  # let the gateway start reading the body it will never get in full
    writer.close()
    await writer.wait_closed()
    for _ in range(100):
        if any(line.get("msg") == "client disconnected" for line in capture_logs):
            break
        await asyncio.sleep(0.05)
    messages = [line.get("msg") for line in capture_logs]
    assert "client disconnected" in messages
    assert "backing service unavailable" not in messages
