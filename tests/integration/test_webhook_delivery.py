"""Webhook delivery against real PostgreSQL and a real HTTP receiver: signatures, retries on the
persisted schedule, deactivation, redirects, timeouts, rebinding, leases and replicas.

The delivery worker's function (`deliver_due`) is driven directly, against a database of its
own (no running notifier competes for its rows), with fast schedules from a config.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import orjson
import pytest

from services.notifier.webhooks import delivery_repository, repository, secret_store, service
from services.notifier.webhooks.config import WebhookConfig
from services.notifier.webhooks.fanout import enqueue_deliveries
from services.notifier.webhooks.next_step import after_success
from services.notifier.webhooks.payload import webhook_payload
from services.notifier.webhooks.sender import open_client
from services.notifier.webhooks.signing import new_secret
from services.notifier.webhooks.worker import deliver_due
from shared.contracts.webhooks import WebhookCreate, WebhookUpdate
from shared.db import create_pool
from shared.events import Actor, Event
from shared.migrate import _with_database, apply_migrations, ensure_database
from shared.secretbox import Keyring, new_key
from shared.settings import Settings
from shared.timefmt import iso
from tests.scratch import eventually
from tests.webhook_receiver import Receiver, StubDns, insigner_signature_ok, standard_signature_ok

FAST = WebhookConfig(retry_schedule=(0.2, 0.2, 0.2), timeout_seconds=5.0, allow_loopback=True, poll_seconds=0.05)
KEYRING = Keyring.parse(new_key())


@pytest.fixture(scope="module")
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    settings = prepared.model_copy(
        update={"database_url": _with_database(prepared.database_url, prepared.amqp_namespace + "_webhooks")}
    )
    await ensure_database(settings.database_url, recreate=True)
    await apply_migrations(settings.database_url)
    pool = await create_pool(settings, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
async def no_leftovers(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Each test sees only its own deliveries (deleting webhooks deletes theirs)."""
    yield
    await pool.execute("DELETE FROM notifier.webhooks")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    session = open_client(FAST)
    yield session
    await session.close()


def org() -> str:
    return "org_" + uuid.uuid4().hex[:16]


def event(org_id: str, event_type: str = "document.created", **data: object) -> Event:
    return Event(
        type=event_type,
        orgId=org_id,
        documentId="c" + uuid.uuid4().hex[:24],
        actor=Actor(type="system"),
        data=data or {"name": "NDA"},
    )


async def new_webhook(
    pool: asyncpg.Pool, org_id: str, url: str, events: list[str] | None = None, config: WebhookConfig = FAST
) -> tuple[str, str]:
    created = await service.create_webhook(
        pool, org_id, WebhookCreate(url=url, events=events or ["document.created"]), config, KEYRING
    )
    return created.id, created.secret


async def enqueue(pool: asyncpg.Pool, ev: Event) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await enqueue_deliveries(conn, ev)


async def delivery_of(pool: asyncpg.Pool, webhook_id: str) -> asyncpg.Record:
    return await pool.fetchrow("SELECT * FROM notifier.webhook_deliveries WHERE webhook_id = $1", webhook_id)


async def webhook_row(pool: asyncpg.Pool, webhook_id: str) -> asyncpg.Record:
    return await pool.fetchrow("SELECT status, failure_count FROM notifier.webhooks WHERE id = $1", webhook_id)


async def work_until(
    pool: asyncpg.Pool,
    client: aiohttp.ClientSession,
    done: Callable[[], Awaitable[bool]],
    what: str,
    config: WebhookConfig = FAST,
    timeout: float = 20.0,
) -> None:
    """Run worker passes (as the notifier's loop does) until `done`."""

    async def step() -> bool:
        await deliver_due(pool, client, config, KEYRING)
        return await done()

    await eventually(step, timeout, what)


async def test_a_delivery_is_signed_sent_and_recorded(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    org_id = org()
    webhook_id, secret = await new_webhook(pool, org_id, receiver.url, ["signer.added"])
    ev = event(
        org_id,
        "signer.added",
        signer={"id": "sr_1", "name": "Jane", "email": "jane@example.com", "role": "signer", "order": 0},
    )
    assert await enqueue(pool, ev) == 1

    before = int(time.time())
    assert await deliver_due(pool, client, FAST, KEYRING) == 1
    after = int(time.time())
    [request] = await receiver.wait_for(1)
    assert request.path == "/hooks/insigner"
    assert secret.startswith("whsec_")
    assert insigner_signature_ok(secret, request.headers, request.body)
    assert standard_signature_ok(secret, request.headers, request.body)
    assert orjson.loads(request.body) == webhook_payload(ev)
    assert request.headers["Content-Type"] == "application/json"
    # Signed when sent: the attempt's own time.
    assert request.headers["X-InSigner-Timestamp"] == request.headers["webhook-timestamp"]
    assert before <= int(request.headers["webhook-timestamp"]) <= after

    row = await delivery_of(pool, webhook_id)
    assert request.headers["webhook-id"] == row["id"]
    assert (row["status"], row["attempts"], row["last_response_code"], row["next_attempt_at"]) == (
        "succeeded",
        1,
        200,
        None,
    )
    attempt = await pool.fetchrow("SELECT * FROM notifier.webhook_attempts WHERE delivery_id = $1", row["id"])
    assert (attempt["attempt"], attempt["status"], attempt["response_code"], attempt["error"]) == (
        1,
        "succeeded",
        200,
        None,
    )
    assert attempt["duration_ms"] >= 0 and attempt["attempted_at"] is not None


async def test_only_active_subscribed_webhooks_of_the_org_get_a_delivery_once(
    pool: asyncpg.Pool, receiver: Receiver
) -> None:
    org_id = org()
    subscribed, _ = await new_webhook(pool, org_id, receiver.url, ["document.created", "document.deleted"])
    other_type, _ = await new_webhook(pool, org_id, receiver.url, ["signer.added"])
    inactive, _ = await new_webhook(pool, org_id, receiver.url, ["document.created"])
    await service.update_webhook(pool, org_id, inactive, WebhookUpdate(status="inactive"), FAST)
    other_org, _ = await new_webhook(pool, org(), receiver.url, ["document.created"])

    ev = event(org_id)
    assert await enqueue(pool, ev) == 1
    assert await enqueue(pool, ev) == 0  # the same event again (a redelivered message): nothing new
    counts = {
        w: await pool.fetchval("SELECT count(*) FROM notifier.webhook_deliveries WHERE webhook_id = $1", w)
        for w in (subscribed, other_type, inactive, other_org)
    }
    assert counts == {subscribed: 1, other_type: 0, inactive: 0, other_org: 0}


async def test_failures_are_retried_with_the_same_request_and_a_success_resets_the_count(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.script = [500, 502]
    org_id = org()
    webhook_id, secret = await new_webhook(pool, org_id, receiver.url)
    await enqueue(pool, event(org_id))

    async def failed_twice() -> bool:
        return (await delivery_of(pool, webhook_id))["attempts"] == 2

    await work_until(pool, client, failed_twice, "two failed attempts")
    row = await delivery_of(pool, webhook_id)
    assert (row["status"], row["last_response_code"], row["last_error"], row["retry_step"]) == (
        "pending",
        502,
        "HTTP 502",
        2,
    )
    assert row["next_attempt_at"] is not None
    assert tuple(await webhook_row(pool, webhook_id)) == ("active", 2)

    # A new client, as after a restart: everything the retry needs is in the row.
    async with open_client(FAST) as fresh:

        async def succeeded() -> bool:
            return (await delivery_of(pool, webhook_id))["status"] == "succeeded"

        await work_until(pool, fresh, succeeded, "the third attempt to succeed")

    first, second, third = receiver.requests
    # The same message each time (id and body); each attempt signed with its own timestamp.
    for name in ("webhook-id", "X-InSigner-Signature"):
        assert first.headers[name] == second.headers[name] == third.headers[name], name
    assert first.body == second.body == third.body
    for request in (first, second, third):
        assert standard_signature_ok(secret, request.headers, request.body)
        assert insigner_signature_ok(secret, request.headers, request.body)
    assert int(first.headers["webhook-timestamp"]) <= int(third.headers["webhook-timestamp"])
    assert tuple(await webhook_row(pool, webhook_id)) == ("active", 0)
    statuses = await pool.fetch(
        "SELECT a.attempt, a.status, a.response_code FROM notifier.webhook_attempts a "
        "JOIN notifier.webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1 "
        "ORDER BY a.attempt",
        webhook_id,
    )
    assert [tuple(s) for s in statuses] == [(1, "failed", 500), (2, "failed", 502), (3, "succeeded", 200)]


async def test_a_retry_long_after_the_event_is_signed_with_its_own_time_and_verifies(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """The event occurred two hours ago (a delivery that waited through the retry schedule, or an
    outage): Standard Webhooks receivers refuse a timestamp more than 5 minutes old, so every
    attempt must carry the time it is sent, not the event's."""
    receiver.script = [503]
    org_id = org()
    webhook_id, secret = await new_webhook(pool, org_id, receiver.url)
    ev = event(org_id).model_copy(update={"occurredAt": datetime.now(UTC) - timedelta(hours=2)})
    await enqueue(pool, ev)

    async def succeeded() -> bool:
        return (await delivery_of(pool, webhook_id))["status"] == "succeeded"

    await work_until(pool, client, succeeded, "the retry to succeed")
    failed, retried = receiver.requests
    assert failed.headers["webhook-id"] == retried.headers["webhook-id"] == (await delivery_of(pool, webhook_id))["id"]
    assert failed.body == retried.body
    assert orjson.loads(retried.body)["createdAt"] == iso(ev.occurredAt)  # the event's time stays in the body
    for request in (failed, retried):
        # The official package, default tolerance: it would refuse the event's own timestamp.
        assert int(request.headers["webhook-timestamp"]) >= int(ev.occurredAt.timestamp()) + 7200
        assert standard_signature_ok(secret, request.headers, request.body)
        assert insigner_signature_ok(secret, request.headers, request.body)


async def test_a_delivery_fails_when_the_schedule_is_used_up(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.default = 500
    config = replace(FAST, retry_schedule=(0.0, 0.0))
    org_id = org()
    webhook_id, _ = await new_webhook(pool, org_id, receiver.url)
    await enqueue(pool, event(org_id))

    async def finished() -> bool:
        return (await delivery_of(pool, webhook_id))["status"] == "failed"

    await work_until(pool, client, finished, "the delivery to fail", config)
    row = await delivery_of(pool, webhook_id)
    assert (row["attempts"], row["next_attempt_at"], row["last_response_code"]) == (3, None, 500)
    assert await deliver_due(pool, client, config, KEYRING) == 0
    assert len(receiver.requests) == 3


async def test_twenty_consecutive_failures_deactivate_the_webhook(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.default = 503
    config = replace(FAST, retry_schedule=(0.0,) * 30)
    org_id = org()
    webhook_id, _ = await new_webhook(pool, org_id, receiver.url)
    await enqueue(pool, event(org_id))

    async def deactivated() -> bool:
        return (await webhook_row(pool, webhook_id))["status"] == "inactive"

    await work_until(pool, client, deactivated, "the webhook to be deactivated", config)
    assert tuple(await webhook_row(pool, webhook_id)) == ("inactive", 20)
    # An inactive webhook is sent nothing more; its delivery waits, still pending.
    assert await deliver_due(pool, client, config, KEYRING) == 0
    assert len(receiver.requests) == 20
    assert (await delivery_of(pool, webhook_id))["status"] == "pending"
    assert await enqueue(pool, event(org_id)) == 0  # and new events are not queued for it

    reactivated = await service.update_webhook(pool, org_id, webhook_id, WebhookUpdate(status="active"), config)
    assert (reactivated.status, reactivated.failureCount) == ("active", 0)
    receiver.default = 200

    async def delivered() -> bool:
        return (await delivery_of(pool, webhook_id))["status"] == "succeeded"

    await work_until(pool, client, delivered, "the paused delivery to go out after reactivation", config)


async def test_redirects_are_failures_and_not_followed(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    receiver.script = [302]
    org_id = org()
    webhook_id, _ = await new_webhook(pool, org_id, receiver.url)
    await enqueue(pool, event(org_id))
    await deliver_due(pool, client, FAST, KEYRING)
    row = await delivery_of(pool, webhook_id)
    assert (row["status"], row["last_response_code"], row["last_error"]) == ("pending", 302, "redirect not followed")
    assert [r.path for r in receiver.requests] == ["/hooks/insigner"]


async def test_timeouts_and_refused_connections_are_failures(pool: asyncpg.Pool, receiver: Receiver) -> None:
    receiver.delay_seconds = 3.0
    config = replace(FAST, timeout_seconds=0.3)
    org_id = org()
    slow, _ = await new_webhook(pool, org_id, receiver.url, config=config)
    closed, _ = await new_webhook(pool, org_id, "http://127.0.0.1:9/nothing-listens", config=config)
    await enqueue(pool, event(org_id))
    async with open_client(config) as session:
        assert await deliver_due(pool, session, config, KEYRING) == 2
    assert (await delivery_of(pool, slow))["last_error"] == "timed out after 0.3 s"
    refused = await delivery_of(pool, closed)
    assert (refused["last_error"], refused["last_response_code"]) == ("connection refused", None)


async def test_tls_certificates_are_verified(pool: asyncpg.Pool, client: aiohttp.ClientSession, tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    self_signed = await Receiver().start(tls)
    try:
        org_id = org()
        webhook_id, _ = await new_webhook(pool, org_id, self_signed.url)
        await enqueue(pool, event(org_id))
        await deliver_due(pool, client, FAST, KEYRING)
        row = await delivery_of(pool, webhook_id)
        assert (row["status"], row["last_error"]) == ("pending", "TLS certificate not accepted")
        assert self_signed.requests == []
    finally:
        await self_signed.stop()


async def test_addresses_are_checked_again_at_delivery(pool: asyncpg.Pool, receiver: Receiver) -> None:
    """A name that resolved publicly at registration and to loopback now (DNS rebinding), and a
    registered IP literal that the rules no longer allow, are refused before connecting."""
    strict = replace(FAST, allow_loopback=False)
    port = receiver.url.split(":")[2].split("/")[0]
    org_id = org()
    async with pool.acquire() as conn:  # as if the name had resolved to a public address at registration
        rebinding = "wh_rebinding" + uuid.uuid4().hex[:8]
        await repository.insert_webhook(
            conn,
            rebinding,
            org_id,
            f"https://rebind.example:{port}/",
            ["document.created"],
            None,
            secret_store.seal(KEYRING, rebinding, new_secret()),
        )
    literal, _ = await new_webhook(pool, org_id, f"https://127.0.0.1:{port}/", config=FAST)
    await enqueue(pool, event(org_id))
    async with open_client(strict, inner_resolver=StubDns(["127.0.0.1"])) as session:
        assert await deliver_due(pool, session, strict, KEYRING) == 2
    assert (await delivery_of(pool, rebinding))["last_error"] == "blocked address (loopback)"
    assert (await delivery_of(pool, literal))["last_error"] == "The URL resolves to a blocked address (loopback)"
    assert receiver.requests == []


async def test_two_workers_never_send_one_delivery_twice(pool: asyncpg.Pool, receiver: Receiver) -> None:
    org_id = org()
    webhook_id, _ = await new_webhook(pool, org_id, receiver.url)
    for _ in range(30):
        await enqueue(pool, event(org_id))
    config = replace(FAST, concurrency=4)
    async with open_client(config) as one, open_client(config) as two:

        async def all_sent() -> bool:
            await asyncio.gather(deliver_due(pool, one, config, KEYRING), deliver_due(pool, two, config, KEYRING))
            return (
                await pool.fetchval(
                    "SELECT count(*) FROM notifier.webhook_deliveries WHERE webhook_id = $1 AND status = 'succeeded'",
                    webhook_id,
                )
                == 30
            )

        await eventually(all_sent, 30, "30 deliveries")
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 30


async def test_an_expired_lease_is_claimed_again_and_the_old_worker_cannot_record(
    pool: asyncpg.Pool, receiver: Receiver
) -> None:
    org_id = org()
    webhook_id, _ = await new_webhook(pool, org_id, receiver.url)
    await enqueue(pool, event(org_id))
    async with pool.acquire() as conn:
        [first] = [c for c in await delivery_repository.claim_due(conn, 100, 0.2) if c.webhook_id == webhook_id]
        assert [c for c in await delivery_repository.claim_due(conn, 100, 0.2) if c.webhook_id == webhook_id] == []

        async def reclaimed() -> bool:
            return any(c.webhook_id == webhook_id for c in await delivery_repository.claim_due(conn, 100, 30))

        await eventually(reclaimed, 10, "the lease to expire")
        stale = delivery_repository.AttemptRecord(True, 200, 5, None)
        async with conn.transaction():
            assert not await delivery_repository.finish_attempt(conn, first, stale, after_success(0))
    assert (await delivery_of(pool, webhook_id))["attempts"] == 0
