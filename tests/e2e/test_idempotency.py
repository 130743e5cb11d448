"""`Idempotency-Key` on the POSTs of /api/v1 (docs/api.md#idempotent-requests), through the gateway.

Most tests talk to a gateway replica whose documents service is reached through `Upstream`, a
relay in this process that counts what the gateway forwards and can hold a request in flight:
"nothing happened again" is shown both by the resource counts and by the relay seeing nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from services.gateway import credentials
from services.gateway.app import create_app
from services.notifier.app import create_app as notifier_app
from shared.contracts.idempotency import HEADER, REPLAYED_HEADER
from shared.problems import ERROR_TYPE_BASE
from tests.conftest import Api
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.email_peers import eventually
from tests.harness import RunningService, System, _listening_socket, serve
from tests.peers import Mailbox
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


class Upstream:
    """Between the gateway replica and the real documents service: records each request that
    reaches it, can hold them until `release()`, and can answer the next one with a failure."""

    def __init__(self, target: str, http: aiohttp.ClientSession) -> None:
        self.target, self.http = target, http
        self.url = ""  # where the gateway replica reaches it, once served
        self.seen: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()
        self._open = asyncio.Event()
        self._open.set()
        self.fail_next: int | None = None  # a status to answer the next request with, unforwarded

    def hold(self) -> None:
        self._open.clear()
        self.arrived.clear()

    def release(self) -> None:
        self._open.set()

    def posts(self, path: str) -> int:
        return self.seen.count(("POST", path))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append((request.method, request.path))
        self.arrived.set()
        await self._open.wait()
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return web.json_response({"detail": "failing on purpose"}, status=status)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self.http.request(
            request.method, self.target + request.path_qs, data=body, headers=headers, allow_redirects=False
        ) as resp:
            passed = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_HEADERS}
            return web.Response(status=resp.status, body=await resp.read(), headers=passed)


@pytest.fixture
async def upstream(system: System, http: aiohttp.ClientSession) -> AsyncIterator[Upstream]:
    relay = Upstream(system.settings.documents_url, http)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", relay.handle)
    service = await serve("documents-relay", app, _listening_socket())
    relay.url = service.url
    yield relay
    relay.release()
    await service.runner.cleanup()


async def replica(system: System, upstream: Upstream, **settings: Any) -> RunningService:
    own = system.settings.model_copy(update={"documents_url": upstream.url, "db_pool_max": 2, **settings})
    return await serve("gateway-idem", create_app(own), _listening_socket())


@pytest.fixture
async def gateway(system: System, upstream: Upstream) -> AsyncIterator[RunningService]:
    service = await replica(system, upstream)
    yield service
    await service.runner.cleanup()


@pytest.fixture
async def org_api(gateway: RunningService, db: asyncpg.Pool, http: aiohttp.ClientSession) -> Api:
    return await new_org(gateway, db, http)


async def new_org(
    gateway: RunningService, db: asyncpg.Pool, http: aiohttp.ClientSession, scopes: list[str] | None = None
) -> Api:
    async with db.acquire() as conn:
        created = await credentials.create_insigner_key(conn, f"Idem Org {uuid.uuid4().hex[:8]}", scopes or ["*"], "k")
    return Api(http, gateway.url, created.api_key, created.org_id)


@pytest.fixture
def call(conformance: Conformance) -> Driver:
    return Driver(conformance)


def idem(key: str) -> dict[str, str]:
    return {HEADER: key}


def new_key() -> str:
    return f"order-{uuid.uuid4()}"


async def document_count(db: asyncpg.Pool, org_id: str | None) -> int:
    return await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", org_id)


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def problem_type(body: dict[str, Any]) -> str:
    return body["type"].removeprefix(ERROR_TYPE_BASE)


async def test_a_retry_gets_the_first_answer_and_nothing_is_done_again(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key = new_key()
    status, first, resp = await org_api.request("POST", D, json={"name": "Once"}, headers=idem(key))
    assert status == 201 and REPLAYED_HEADER not in resp.headers, str(first)
    again = await call(org_api, "POST", D, 201, json={"name": "Once"}, headers=idem(key))
    _, _, replayed = await org_api.request("POST", D, json={"name": "Once"}, headers=idem(key))

    assert again == first
    assert replayed.headers[REPLAYED_HEADER] == "true"
    assert replayed.headers["Content-Type"].startswith("application/json")
    assert "RateLimit-Remaining" in replayed.headers  # the retry's own window, not the first's
    assert upstream.posts(D) == 1
    assert await document_count(db, org_api.org_id) == 1


async def test_the_same_key_with_another_body_or_path_is_422_and_changes_nothing(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key = new_key()
    created = await call(org_api, "POST", D, 201, json={"name": "First"}, headers=idem(key))
    doc_id = created["data"]["id"]

    other_body = await call(org_api, "POST", D, 422, json={"name": "Second"}, headers=idem(key))
    other_path = await call(org_api, "POST", D + "/{id}/send", 422, headers=idem(key), id=doc_id)

    assert problem_type(other_body) == problem_type(other_path) == "idempotency-key-mismatch"
    assert upstream.posts(D) == 1 and upstream.posts(f"{D}/{doc_id}/send") == 0
    assert await document_count(db, org_api.org_id) == 1
    assert (await call(org_api, "GET", D + "/{id}", 200, id=doc_id))["data"]["status"] == "draft"


async def test_a_duplicate_while_the_first_runs_is_409_then_the_answer_is_replayed(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key = new_key()
    upstream.hold()
    first = asyncio.create_task(org_api.request("POST", D, json={"name": "Slow"}, headers=idem(key)))
    await asyncio.wait_for(upstream.arrived.wait(), 30)  # the first is in flight, held upstream

    busy = await call(org_api, "POST", D, 409, json={"name": "Slow"}, headers=idem(key))
    assert problem_type(busy) == "idempotency-key-in-use"
    upstream.release()
    status, created, _ = await first
    assert status == 201
    replay = await call(org_api, "POST", D, 201, json={"name": "Slow"}, headers=idem(key))

    assert replay == created
    assert upstream.posts(D) == 1
    assert await document_count(db, org_api.org_id) == 1


async def test_simultaneous_requests_with_one_key_create_one_document(
    org_api: Api, upstream: Upstream, db: asyncpg.Pool, conformance: Conformance
) -> None:
    key = new_key()
    answers = await asyncio.gather(
        *(org_api.request("POST", D, json={"name": "Race"}, headers=idem(key)) for _ in range(6))
    )
    for status, body, resp in answers:
        conformance.check("POST", D, status, body, resp)
    ran = [body for status, body, resp in answers if status == 201 and REPLAYED_HEADER not in resp.headers]
    replayed = [body for status, body, resp in answers if status == 201 and REPLAYED_HEADER in resp.headers]
    busy = [body for status, body, _ in answers if status == 409]

    assert len(ran) == 1
    assert len(ran) + len(replayed) + len(busy) == 6
    assert all(body == ran[0] for body in replayed)
    assert all(problem_type(body) == "idempotency-key-in-use" for body in busy)
    assert upstream.posts(D) == 1
    assert await document_count(db, org_api.org_id) == 1


async def test_keys_belong_to_their_organisation(
    call: Driver,
    org_api: Api,
    gateway: RunningService,
    upstream: Upstream,
    db: asyncpg.Pool,
    http: aiohttp.ClientSession,
) -> None:
    other = await new_org(gateway, db, http)
    key = new_key()
    mine = await call(org_api, "POST", D, 201, json={"name": "Shared key"}, headers=idem(key))
    theirs = await call(other, "POST", D, 201, json={"name": "Shared key"}, headers=idem(key))

    assert theirs["data"]["id"] != mine["data"]["id"]
    assert upstream.posts(D) == 2
    assert await document_count(db, org_api.org_id) == await document_count(db, other.org_id) == 1
    # Each organisation's retry replays its own answer.
    assert await call(other, "POST", D, 201, json={"name": "Shared key"}, headers=idem(key)) == theirs
    assert await call(org_api, "POST", D, 201, json={"name": "Shared key"}, headers=idem(key)) == mine


async def test_an_expired_key_runs_again_and_expired_keys_are_swept(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key, stale = new_key(), new_key()
    await call(org_api, "POST", D, 201, json={"name": "Yesterday"}, headers=idem(key))
    await call(org_api, "POST", D, 201, json={"name": "Stale"}, headers=idem(stale))
    # A day passes for both keys (IDEMPOTENCY_KEY_TTL_SECONDS).
    await db.execute(
        "UPDATE gateway.idempotency_keys SET expires_at = now() - interval '1 second' WHERE org_id = $1",
        org_api.org_id,
    )

    again = await call(org_api, "POST", D, 201, json={"name": "Yesterday"}, headers=idem(key))

    assert upstream.posts(D) == 3
    assert await document_count(db, org_api.org_id) == 3
    rows = await db.fetch("SELECT key_hash FROM gateway.idempotency_keys WHERE org_id = $1", org_api.org_id)
    assert [bytes(r["key_hash"]) for r in rows] == [key_hash(key)]  # the reclaimed one, fresh; the stale one swept
    assert await call(org_api, "POST", D, 201, json={"name": "Yesterday"}, headers=idem(key)) == again


async def test_refusals_and_validation_errors_of_the_service_are_replayed(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key = new_key()
    refused = await call(org_api, "POST", D, 422, json={"name": ""}, headers=idem(key))
    status, again, resp = await org_api.request("POST", D, json={"name": ""}, headers=idem(key))

    assert status == 422 and again == refused and resp.headers[REPLAYED_HEADER] == "true"
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert upstream.posts(D) == 1
    assert await document_count(db, org_api.org_id) == 0


async def test_server_failures_free_the_key_so_a_retry_runs(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    key = new_key()
    upstream.fail_next = 503
    status, _, _ = await org_api.request("POST", D, json={"name": "Flaky"}, headers=idem(key))
    assert status == 503
    assert await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE org_id = $1", org_api.org_id) == 0

    created = await call(org_api, "POST", D, 201, json={"name": "Flaky"}, headers=idem(key))
    assert created["data"]["name"] == "Flaky"
    assert upstream.posts(D) == 2
    assert await document_count(db, org_api.org_id) == 1


async def test_gateway_refusals_are_not_kept(
    call: Driver,
    org_api: Api,
    gateway: RunningService,
    upstream: Upstream,
    db: asyncpg.Pool,
    http: aiohttp.ClientSession,
) -> None:
    # A key of the same organisation without the scope: 403, nothing kept, nothing replayed to it.
    key = new_key()
    async with db.acquire() as conn:
        org_name = await conn.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", org_api.org_id)
        reader = await credentials.create_insigner_key(conn, org_name, ["documents.read"], "reader")
    read_only = Api(http, gateway.url, reader.api_key, reader.org_id)
    assert read_only.org_id == org_api.org_id

    await call(read_only, "POST", D, 403, json={"name": "Scoped"}, headers=idem(key))
    assert await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE org_id = $1", org_api.org_id) == 0
    created = await call(org_api, "POST", D, 201, json={"name": "Scoped"}, headers=idem(key))
    # Once kept, a key lacking the scope is still refused, not answered with the stored document.
    refused = await call(read_only, "POST", D, 403, json={"name": "Scoped"}, headers=idem(key))
    assert "data" not in refused and created["data"]["id"]
    # An id of the wrong shape is refused by the gateway before anything is forwarded.
    await call(org_api, "POST", D + "/{id}/send", 404, headers=idem("bad-id"), id="not an id!")
    assert (
        await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE key_hash = $1", key_hash("bad-id")) == 0
    )
    assert upstream.posts(D) == 1


@pytest.mark.parametrize("bad", ["", " ", "x" * 256, "ключ", "tab\there"])
async def test_a_malformed_key_is_400_and_nothing_is_forwarded(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool, bad: str
) -> None:
    status, body, _ = await org_api.request(
        "POST", D, json={"name": "Bad key"}, headers={HEADER: bad.encode().decode("latin-1")}
    )
    assert status == 400 and problem_type(body) == "invalid-idempotency-key"
    assert upstream.seen == []
    assert await document_count(db, org_api.org_id) == 0


async def test_the_longest_key_is_accepted(call: Driver, org_api: Api, db: asyncpg.Pool) -> None:
    key = "k" * 255
    first = await call(org_api, "POST", D, 201, json={"name": "Long"}, headers=idem(key))
    assert await call(org_api, "POST", D, 201, json={"name": "Long"}, headers=idem(key)) == first
    assert await document_count(db, org_api.org_id) == 1


async def test_without_the_header_or_off_post_nothing_is_kept(
    call: Driver, org_api: Api, upstream: Upstream, db: asyncpg.Pool
) -> None:
    await call(org_api, "POST", D, 201, json={"name": "Plain"})
    await call(org_api, "POST", D, 201, json={"name": "Plain"})
    key = new_key()
    await call(org_api, "GET", D, 200, headers=idem(key))  # ignored on reads, as Stripe does
    await call(org_api, "GET", D, 200, headers=idem(key))

    assert await document_count(db, org_api.org_id) == 2
    assert await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE org_id = $1", org_api.org_id) == 0
    assert upstream.seen.count(("GET", D)) == 2


async def test_an_answer_too_large_to_keep_still_runs_once(
    system: System, upstream: Upstream, db: asyncpg.Pool, http: aiohttp.ClientSession, call: Driver
) -> None:
    small = await replica(system, upstream, idempotency_max_response_bytes=16)
    try:
        api = await new_org(small, db, http)
        key = new_key()
        await call(api, "POST", D, 201, json={"name": "Big answer"}, headers=idem(key))
        retry = await call(api, "POST", D, 409, json={"name": "Big answer"}, headers=idem(key))
        assert problem_type(retry) == "idempotency-response-not-stored"
        assert upstream.posts(D) == 1
        assert await document_count(db, api.org_id) == 1
    finally:
        await small.runner.cleanup()


async def test_a_replayed_send_sends_one_invitation(flow: Flow, mailbox: Mailbox, db: asyncpg.Pool) -> None:
    # Through the session's own gateway: the whole path to the email.
    address = f"idem.{uuid.uuid4().hex[:10]}@example.com"
    doc_id, _ = await flow.draft(signers=[{"email": address, "name": "Idem"}], fields=[signature(0)])
    key = new_key()
    sent = await flow.call(flow.api, "POST", D + "/{id}/send", 200, headers=idem(key), id=doc_id)
    replay = await flow.call(flow.api, "POST", D + "/{id}/send", 200, headers=idem(key), id=doc_id)

    assert replay == sent  # not the 409 a second send would get: the first answer
    await mailbox.wait_for(lambda m: address in str(m["To"]))
    await eventually(lambda: _one_email(db, doc_id), "the invitation to be recorded")
    assert (await flow.event_types(doc_id)).count("document.sent") == 1
    assert len(mailbox.to(address)) == 1


async def _one_email(db: asyncpg.Pool, doc_id: str) -> bool:
    return await db.fetchval("SELECT count(*) FROM notifier.emails WHERE document_id = $1", doc_id) == 1


async def test_a_replayed_webhook_creation_spends_no_action_budget(
    system: System, upstream: Upstream, db: asyncpg.Pool, http: aiohttp.ClientSession, call: Driver
) -> None:
    # A notifier that accepts a loopback URL (nothing is delivered: the organisation makes no
    # documents), and one webhook creation per member per hour: a replay that reached the budget
    # would be 429.
    notifier = await serve(
        "notifier-loopback",
        notifier_app(system.settings.model_copy(update={"webhook_allow_loopback": True})),
        _listening_socket(),
    )
    strict = await replica(system, upstream, webhook_create_limit_per_hour=1, notifier_url=notifier.url)
    try:
        api = await new_org(strict, db, http)
        body = {"url": "http://127.0.0.1:9/hook", "events": ["document.created"]}
        key = new_key()
        created = await call(api, "POST", "/api/v1/webhooks", 201, json=body, headers=idem(key))
        replayed = await call(api, "POST", "/api/v1/webhooks", 201, json=body, headers=idem(key))
        assert replayed == created  # the secret shown once is shown again only to this retry
        await call(api, "POST", "/api/v1/webhooks", 429, json=body)  # the budget: one, spent by the first
        hooks = await call(api, "GET", "/api/v1/webhooks", 200)
        assert [hook["id"] for hook in hooks["data"]] == [created["data"]["id"]]
    finally:
        await strict.runner.cleanup()
        await notifier.runner.cleanup()


async def test_the_store_holds_no_raw_key_nor_a_readable_answer(call: Driver, org_api: Api, db: asyncpg.Pool) -> None:
    # Answers carry signing links and webhook secrets: a reader of the table must not get them.
    key = new_key()
    created = await call(org_api, "POST", D, 201, json={"name": "Sealed answer"}, headers=idem(key))
    [row] = await db.fetch("SELECT * FROM gateway.idempotency_keys WHERE org_id = $1", org_api.org_id)
    stored = " ".join(str(value) for value in row.values())
    assert key not in stored
    assert created["data"]["id"] not in row["body"] and "Sealed answer" not in row["body"]
    assert bytes(row["key_hash"]) == key_hash(key)
    # The client's key opens it: the retry is answered from it.
    assert await call(org_api, "POST", D, 201, json={"name": "Sealed answer"}, headers=idem(key)) == created
