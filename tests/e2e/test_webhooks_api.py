"""Webhooks through the gateway: CRUD with the reference's shapes, events from real API actions
delivered to a real receiver over RabbitMQ and signed, retries, redelivery, SSRF refusals,
scopes and isolation. Every answer is checked against the OpenAPI document.

Deliveries go to 127.0.0.1, which only the development switch allows, so this module runs a
second whole system with `webhook_allow_loopback` and a fast retry schedule, in a database and
AMQP namespace of its own (nothing is shared with the session's system, whose notifier would
otherwise claim these deliveries under the production rules). The session's system, with the
production defaults, is used for the refusals that depend on them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest

from services.gateway import credentials
from shared.db import create_pool
from shared.migrate import _with_database
from shared.settings import Settings
from tests.conftest import Api
from tests.harness import System, reset_infrastructure, start_system
from tests.scratch import delete_amqp_namespace, eventually
from tests.spec_check import Conformance, Driver
from tests.webhook_receiver import Receiver, insigner_signature_ok, standard_signature_ok

pytestmark = pytest.mark.e2e

W = "/api/v1/webhooks"
D = "/api/v1/documents"
WHSEC = re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$")  # Standard Webhooks form of 32 key bytes
CREATED_KEYS = ["id", "url", "events", "status", "description", "secret", "failureCount", "createdAt", "updatedAt"]


@pytest.fixture(scope="module")
async def hooks_settings(prepared: Settings) -> Settings:
    namespace = prepared.amqp_namespace + "_hooks"
    return prepared.model_copy(
        update={
            "database_url": _with_database(prepared.database_url, namespace),
            "amqp_namespace": namespace,
            "db_pool_max": 3,
            "webhook_allow_loopback": True,
            "webhook_retry_schedule": [0.2, 0.2, 0.2],
            "webhook_poll_seconds": 0.05,
        }
    )


@pytest.fixture(scope="module")
async def hooks_system(hooks_settings: Settings) -> AsyncIterator[System]:
    await reset_infrastructure(hooks_settings)
    system = await start_system(hooks_settings)
    yield system
    await system.stop()
    await delete_amqp_namespace(hooks_settings)


@pytest.fixture(scope="module")
async def hooks_db(hooks_system: System) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(hooks_system.settings, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture
def call(conformance: Conformance) -> Driver:
    """Answers are checked against the session's spec (the same code serves both systems) and
    recorded in the session's conformance, which tests/e2e/test_spec_coverage.py reads."""
    return Driver(conformance)


@pytest.fixture
async def hooks_api(hooks_system: System, hooks_db: asyncpg.Pool, http: aiohttp.ClientSession):  # type: ignore[no-untyped-def]
    """`await hooks_api(scopes=["*"])` -> an Api of a new organisation on the webhook test system."""

    async def factory(scopes: list[str] | None = None, org_name: str | None = None) -> Api:
        async with hooks_db.acquire() as conn:
            created = await credentials.create_insigner_key(
                conn, org_name or f"Hooks {uuid.uuid4().hex}", scopes or ["*"], "k"
            )
        return Api(http, hooks_system.gateway_url, created.api_key, created.org_id)

    return factory


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.stop()


async def create_webhook(call: Driver, api: Api, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    body = await call(api, "POST", W, 201, json={"url": url, "events": events, **extra})
    return body["data"]


async def deliveries(call: Driver, api: Api, webhook_id: str, **params: Any) -> dict[str, Any]:
    return await call(api, "GET", W + "/{id}/deliveries", 200, id=webhook_id, params=params or None)


async def wait_for_delivery(
    call: Driver, api: Api, webhook_id: str, status: str, count: int = 1
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def done() -> bool:
        nonlocal found
        found = [d for d in (await deliveries(call, api, webhook_id))["data"] if d["status"] == status]
        return len(found) >= count

    await eventually(done, 20, f"{count} {status} deliveries")
    return found


async def test_api_actions_reach_the_receiver_signed_both_ways(
    call: Driver, hooks_api: Any, receiver: Receiver
) -> None:
    api = await hooks_api()
    status, body, resp = await api.request(
        "POST", W, json={"url": receiver.url, "description": "Prod", "events": ["document.created", "signer.added"]}
    )
    assert status == 201 and resp.headers["Cache-Control"] == "no-store"
    call.conformance.check("POST", W, status, body, resp)
    created = body["data"]
    assert list(created) == CREATED_KEYS
    assert WHSEC.match(created["secret"])
    assert created["events"] == '["document.created","signer.added"]'
    assert (created["status"], created["failureCount"], created["description"]) == ("active", 0, "Prod")
    secret = created["secret"]

    shown = (await call(api, "GET", W + "/{id}", 200, id=created["id"]))["data"]
    assert "secret" not in shown and shown["url"] == receiver.url
    listed = (await call(api, "GET", W, 200))["data"]
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]

    document = (await call(api, "POST", D, 201, json={"name": "NDA - Acme Corp"}))["data"]
    signer = (
        await call(
            api,
            "POST",
            D + "/{id}/signers",
            201,
            id=document["id"],
            json={"email": "jane@example.com", "name": "Jane Smith"},
        )
    )["data"]
    requests = await receiver.wait_for(2)
    bodies = {orjson.loads(r.body)["event"]: (r, orjson.loads(r.body)) for r in requests}
    assert set(bodies) == {"document.created", "signer.added"}
    for request, _ in bodies.values():
        assert insigner_signature_ok(secret, request.headers, request.body)
        assert standard_signature_ok(secret, request.headers, request.body)
        assert not insigner_signature_ok("0" * 64, request.headers, request.body)
    _, doc_event = bodies["document.created"]
    assert doc_event["data"] == {"documentId": document["id"], "name": "NDA - Acme Corp"}
    assert doc_event["actor"]["type"] == "api_key"
    _, signer_event = bodies["signer.added"]
    assert signer_event["data"]["documentId"] == document["id"]
    assert signer_event["data"]["signer"]["id"] == signer["id"]
    assert signer_event["data"]["signer"]["email"] == "jane@example.com"

    done = await wait_for_delivery(call, api, created["id"], "succeeded", 2)
    assert {d["id"] for d in done} == {r.headers["webhook-id"] for r in requests}
    assert {d["event"] for d in done} == {"document.created", "signer.added"}
    first = done[0]
    assert (first["attempts"], first["responseCode"], first["nextAttemptAt"]) == (1, 200, None)
    assert first["attemptLog"][0]["status"] == "succeeded" and first["durationMs"] >= 0


async def test_a_failed_delivery_is_retried_with_the_same_request_and_can_be_redelivered(
    call: Driver, hooks_api: Any, receiver: Receiver
) -> None:
    receiver.script = [500]
    api = await hooks_api()
    webhook = await create_webhook(call, api, receiver.url, ["document.created"])
    await call(api, "POST", D, 201, json={"name": "Retry me"})

    first, second = await receiver.wait_for(2)
    # The same message (id, body); each attempt signed with its own timestamp, and both verify.
    for name in ("webhook-id", "X-InSigner-Signature"):
        assert first.headers[name] == second.headers[name], name
    assert first.body == second.body
    for request in (first, second):
        assert standard_signature_ok(webhook["secret"], request.headers, request.body)
    [delivery] = await wait_for_delivery(call, api, webhook["id"], "succeeded")
    assert delivery["attempts"] == 2
    assert [(a["attempt"], a["status"], a["responseCode"]) for a in delivery["attemptLog"]] == [
        (2, "succeeded", 200),
        (1, "failed", 500),
    ]
    assert (await call(api, "GET", W + "/{id}", 200, id=webhook["id"]))["data"]["failureCount"] == 0

    queued = (
        await call(
            api, "POST", W + "/{id}/deliveries/{deliveryId}/redeliver", 202, id=webhook["id"], deliveryId=delivery["id"]
        )
    )["data"]
    assert (queued["id"], queued["status"]) == (delivery["id"], "pending")
    third = (await receiver.wait_for(3))[2]
    assert third.body == first.body and third.headers["webhook-id"] == delivery["id"]
    assert standard_signature_ok(webhook["secret"], third.headers, third.body)

    async def three_attempts() -> bool:
        [again] = (await deliveries(call, api, webhook["id"]))["data"]
        return again["attempts"] == 3 and again["status"] == "succeeded"

    await eventually(three_attempts, 20, "the redelivery to be recorded")


async def test_webhook_crud_shapes_limits_and_pagination(call: Driver, hooks_api: Any, hooks_db: asyncpg.Pool) -> None:
    api = await hooks_api()
    url = "http://127.0.0.1:9/hook"
    created = await create_webhook(call, api, url, ["document.completed", "document.completed", "signer.completed"])
    assert created["events"] == '["document.completed","signer.completed"]'
    assert created["description"] is None

    updated = (
        await call(
            api,
            "PATCH",
            W + "/{id}",
            200,
            id=created["id"],
            json={"events": ["document.declined"], "description": "Declines", "status": "inactive"},
        )
    )["data"]
    assert (updated["events"], updated["description"], updated["status"]) == (
        '["document.declined"]',
        "Declines",
        "inactive",
    )
    assert "secret" not in updated and updated["updatedAt"] >= created["updatedAt"]

    await hooks_db.execute("UPDATE notifier.webhooks SET failure_count = 20 WHERE id = $1", created["id"])
    reactivated = (
        await call(api, "PATCH", W + "/{id}", 200, id=created["id"], json={"status": "active", "description": None})
    )["data"]
    assert (reactivated["status"], reactivated["failureCount"], reactivated["description"]) == ("active", 0, None)

    for n in range(9):
        await create_webhook(call, api, f"{url}/{n}", ["document.created"])
    limit = await call(api, "POST", W, 409, json={"url": url, "events": ["document.created"]})
    assert "at most 10" in limit["detail"]

    page = await call(api, "GET", W, 200, params={"limit": 4})
    assert (page["meta"]["count"], page["meta"]["hasMore"]) == (4, True)
    seen = [w["id"] for w in page["data"]]
    while page["meta"]["hasMore"]:
        page = await call(api, "GET", W, 200, params={"limit": 4, "cursor": page["meta"]["nextCursor"]})
        seen += [w["id"] for w in page["data"]]
    assert len(seen) == len(set(seen)) == 10 and seen[-1] == created["id"]
    await call(api, "GET", W, 400, params={"cursor": "not-a-cursor"})

    await call(api, "DELETE", W + "/{id}", 204, id=created["id"])
    await call(api, "GET", W + "/{id}", 404, id=created["id"])
    await call(api, "DELETE", W + "/{id}", 404, id=created["id"])
    await create_webhook(call, api, url, ["document.created"])  # room again after the delete


async def test_invalid_bodies_are_422_naming_the_field(call: Driver, hooks_api: Any) -> None:
    api = await hooks_api()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"events": ["document.created"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "events": []}, "events"),
        ({"url": "http://127.0.0.1:9/", "events": ["document.exploded"]}, "events.0"),
        ({"url": "http://127.0.0.1:9/", "events": ["document.created"] * 51}, "events"),
        ({"url": "http://127.0.0.1:9/", "events": "document.created"}, "events"),
        ({"url": "http://127.0.0.1:9/", "events": ["document.created"], "description": "x" * 501}, "description"),
        ({"url": "http://127.0.0.1:9/" + "a" * 2048, "events": ["document.created"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "events": ["document.created"], "secret": "mine"}, "secret"),
    ]
    for body, field in cases:
        problem = await call(api, "POST", W, 422, json=body)
        assert field in [e["field"] for e in problem["errors"]], (body, problem)
    webhook = await create_webhook(call, api, "http://127.0.0.1:9/", ["document.created"])
    patches: list[tuple[dict[str, Any], str]] = [
        ({}, "body"),
        ({"status": "paused"}, "status"),
        ({"url": None}, "url"),
        ({"events": None}, "events"),
    ]
    for body, field in patches:
        problem = await call(api, "PATCH", W + "/{id}", 422, id=webhook["id"], json=body)
        assert field in [e["field"] for e in problem["errors"]], (body, problem)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "http://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "http://169.254.169.254/",
        "https://192.168.1.10/",
        "https://100.64.0.1/",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fe80::1]/",
        "https://0.0.0.0/",
        "https://2130706433/",
    ],
)
async def test_private_and_metadata_targets_are_refused_even_in_development(
    call: Driver, hooks_api: Any, url: str
) -> None:
    api = await hooks_api()
    problem = await call(api, "POST", W, 422, json={"url": url, "events": ["document.created"]})
    assert [e["field"] for e in problem["errors"]] == ["url"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://169.254.169.254/", "metadata"),
        ("https://10.0.0.1/", "private"),
    ],
)
async def test_production_rules_refuse_loopback_and_plain_http(make_api: Any, url: str, reason: str) -> None:
    api = await make_api(scopes=["webhooks.*"])
    status, problem, resp = await api.request("POST", W, json={"url": url, "events": ["document.created"]})
    assert status == 422 and resp.content_type == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == ["url"]
    assert reason in problem["errors"][0]["message"]
    status, listed, _ = await api.request("GET", W)
    assert status == 200 and listed["data"] == []


async def test_a_changed_url_is_checked_like_a_new_one(call: Driver, hooks_api: Any) -> None:
    api = await hooks_api()
    webhook = await create_webhook(call, api, "http://127.0.0.1:9/", ["document.created"])
    for url in ("https://10.0.0.1/", "https://[::ffff:169.254.169.254]/", "ftp://127.0.0.1/"):
        problem = await call(api, "PATCH", W + "/{id}", 422, id=webhook["id"], json={"url": url})
        assert [e["field"] for e in problem["errors"]] == ["url"]
    moved = await call(api, "PATCH", W + "/{id}", 200, id=webhook["id"], json={"url": "http://127.0.0.1:10/new"})
    assert moved["data"]["url"] == "http://127.0.0.1:10/new"


async def test_another_organisations_webhook_is_404(
    call: Driver, hooks_api: Any, hooks_db: asyncpg.Pool, receiver: Receiver
) -> None:
    owner, stranger = await hooks_api(), await hooks_api()
    webhook = await create_webhook(call, owner, receiver.url, ["document.created"])
    await call(owner, "POST", D, 201, json={"name": "Mine"})
    [delivery] = await wait_for_delivery(call, owner, webhook["id"], "succeeded")

    await call(stranger, "GET", W + "/{id}", 404, id=webhook["id"])
    await call(stranger, "PATCH", W + "/{id}", 404, id=webhook["id"], json={"status": "inactive"})
    await call(stranger, "DELETE", W + "/{id}", 404, id=webhook["id"])
    await call(stranger, "GET", W + "/{id}/deliveries", 404, id=webhook["id"])
    await call(
        stranger,
        "POST",
        W + "/{id}/deliveries/{deliveryId}/redeliver",
        404,
        id=webhook["id"],
        deliveryId=delivery["id"],
    )
    assert (await call(stranger, "GET", W, 200))["data"] == []
    await call(
        owner, "POST", W + "/{id}/deliveries/{deliveryId}/redeliver", 404, id=webhook["id"], deliveryId="whd_missing"
    )
    await call(owner, "GET", W + "/{id}", 404, id="wh_missing")
    assert (await call(owner, "GET", W + "/{id}", 200, id=webhook["id"]))["data"]["status"] == "active"

    # The stranger's event, once the notifier has handled it, was queued for no webhook of the owner.
    theirs = (await call(stranger, "POST", D, 201, json={"name": "Theirs"}))["data"]

    async def handled() -> bool:
        return bool(
            await hooks_db.fetchval(
                """SELECT count(*) FROM notifier.processed_events p JOIN documents.outbox o ON o.event_id = p.event_id
               WHERE o.body->>'documentId' = $1""",
                theirs["id"],
            )
        )

    await eventually(handled, 20, "the notifier to handle the other organisation's event")
    assert len((await deliveries(call, owner, webhook["id"]))["data"]) == 1
    assert [orjson.loads(r.body)["data"]["name"] for r in receiver.requests] == ["Mine"]


async def test_redelivery_of_an_inactive_webhook_is_409(call: Driver, hooks_api: Any, receiver: Receiver) -> None:
    api = await hooks_api()
    webhook = await create_webhook(call, api, receiver.url, ["document.created"])
    await call(api, "POST", D, 201, json={"name": "Once"})
    [delivery] = await wait_for_delivery(call, api, webhook["id"], "succeeded")
    await call(api, "PATCH", W + "/{id}", 200, id=webhook["id"], json={"status": "inactive"})
    await call(
        api, "POST", W + "/{id}/deliveries/{deliveryId}/redeliver", 409, id=webhook["id"], deliveryId=delivery["id"]
    )
    await call(
        api,
        "POST",
        W + "/{id}/deliveries/{deliveryId}/redeliver",
        400,
        id=webhook["id"],
        deliveryId=delivery["id"],
        data=b"{",
        headers={"Content-Type": "application/json"},
    )
    page = await deliveries(call, api, webhook["id"], limit=1)
    assert page["meta"] == {"count": 1, "hasMore": False, "nextCursor": None}


async def test_scopes(call: Driver, hooks_api: Any) -> None:
    org_name = f"Scopes {uuid.uuid4().hex}"  # keys made with one name belong to one organisation
    owner = await hooks_api(org_name=org_name)
    webhook = await create_webhook(call, owner, "http://127.0.0.1:9/", ["document.created"])
    reader = await hooks_api(scopes=["webhooks.read"], org_name=org_name)
    await call(reader, "GET", W, 200)
    await call(reader, "GET", W + "/{id}", 200, id=webhook["id"])
    await call(reader, "GET", W + "/{id}/deliveries", 200, id=webhook["id"])
    await call(reader, "POST", W, 403, json={"url": "http://127.0.0.1:9/", "events": ["document.created"]})
    await call(reader, "PATCH", W + "/{id}", 403, id=webhook["id"], json={"status": "inactive"})
    await call(reader, "DELETE", W + "/{id}", 403, id=webhook["id"])
    await call(reader, "POST", W + "/{id}/deliveries/{deliveryId}/redeliver", 403, id=webhook["id"], deliveryId="whd_x")
    creator = await hooks_api(scopes=["webhooks.create"], org_name=org_name)
    await call(creator, "GET", W, 403)
    await create_webhook(call, creator, "http://127.0.0.1:9/other", ["document.created"])
    wildcard = await hooks_api(scopes=["webhooks.*"], org_name=org_name)
    await call(wildcard, "PATCH", W + "/{id}", 200, id=webhook["id"], json={"status": "inactive"})
    await call(wildcard, "DELETE", W + "/{id}", 204, id=webhook["id"])
    documents_only = await hooks_api(scopes=["documents.*"], org_name=org_name)
    await call(documents_only, "GET", W, 403)
    await call(Api(owner.session, owner.base_url, None), "GET", W, 401)


async def test_every_webhook_operation_was_checked_against_the_spec(
    conformance: Conformance, request: pytest.FixtureRequest
) -> None:
    """Runs last in this module: the tests above validated each answer; each operation's success
    response must have been among them (tests/e2e/test_spec_coverage.py checks the whole API)."""
    module = request.node.module
    ran = {
        item.originalname
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.module is module
    }
    if ran != {name for name in vars(module) if name.startswith("test_")}:
        pytest.skip("needs every test of this module")
    missing = [op for op in conformance.unexercised() if " /api/v1/webhooks" in op]
    assert not missing, "webhook operations whose success response no test checked: " + ", ".join(missing)


async def test_the_secret_is_stored_sealed_and_deliveries_are_signed_with_it(
    call: Driver, hooks_api: Any, hooks_system: System, hooks_db: asyncpg.Pool, receiver: Receiver
) -> None:
    """Secrets at rest (docs/webhooks.md): the notifier's column never holds the secret issued
    through the gateway, only its sealed form, which opens with the configured key for this
    webhook alone; deliveries are still signed with the issued secret."""
    api = await hooks_api()
    webhook = await create_webhook(call, api, receiver.url, ["document.created"])
    secret = webhook["secret"]
    row = await hooks_db.fetchrow(
        "SELECT row_to_json(w)::text AS everything, secret FROM notifier.webhooks w WHERE id = $1", webhook["id"]
    )
    assert secret not in row["everything"] and secret.upper() not in row["everything"].upper()
    keyring = hooks_system.settings.require_secrets_keyring()
    assert row["secret"].startswith(keyring.current_prefix())
    assert keyring.open(row["secret"], f"notifier.webhooks.secret:{webhook['id']}") == secret

    await call(api, "POST", D, 201, json={"name": "Sealed"})
    [request] = await receiver.wait_for(1)
    assert insigner_signature_ok(secret, request.headers, request.body)
    assert standard_signature_ok(secret, request.headers, request.body)
