"""Webhook secrets at rest, against real PostgreSQL and a real receiver: what the column holds,
the database's refusal of plaintext, the binding of a sealed secret to its row, and
`countersign secrets rotate` run as operators run it (a subprocess), old key -> new key, with
deliveries checked by an independent HMAC implementation (tests/webhook_receiver.py).

Like tests/integration/test_webhook_delivery.py, the worker's `deliver_due` is driven directly
against a database of its own, so no running notifier competes for the rows.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from secrets import token_hex

import aiohttp
import asyncpg
import pytest

from services.notifier.webhooks import secret_store, service
from services.notifier.webhooks.fanout import enqueue_deliveries
from services.notifier.webhooks.signing import new_secret
from services.notifier.webhooks.worker import deliver_due, warn_about_stale_secrets
from shared.contracts.webhooks import WebhookCreate
from shared.db import create_pool
from shared.events import Actor, Event
from shared.migrate import _with_database, apply_migrations, ensure_database
from shared.secretbox import Keyring, new_key
from shared.settings import Settings
from tests.integration.test_cli import cli_env, countersign
from tests.integration.test_webhook_delivery import FAST, client, org, receiver  # noqa: F401 (fixtures)
from tests.webhook_receiver import Receiver, insigner_signature_ok, standard_signature_ok

OLD, NEW = new_key(), new_key()


@pytest.fixture(scope="module")
async def database(prepared: Settings) -> str:
    url = _with_database(prepared.database_url, prepared.amqp_namespace + "_secrets")
    await ensure_database(url, recreate=True)
    await apply_migrations(url)
    return url


@pytest.fixture(scope="module")
async def pool(prepared: Settings, database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(prepared.model_copy(update={"database_url": database}), min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
async def no_leftovers(pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    await pool.execute("DELETE FROM notifier.webhooks")


async def new_webhook(pool: asyncpg.Pool, org_id: str, url: str, keyring: Keyring) -> tuple[str, str]:
    created = await service.create_webhook(
        pool, org_id, WebhookCreate(url=url, events=["document.created"]), FAST, keyring
    )
    return created.id, created.secret


async def legacy_webhook(pool: asyncpg.Pool, org_id: str, url: str) -> tuple[str, str]:
    """A row as a version before sealing wrote it: the secret in clear. Only by switching the
    migration's trigger off can such a row be written now."""
    webhook_id, secret = "wh_legacy" + uuid.uuid4().hex[:8], token_hex(32)  # issued as 64 hex then
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("ALTER TABLE notifier.webhooks DISABLE TRIGGER webhooks_secret_sealed")
        await conn.execute(
            "INSERT INTO notifier.webhooks (id, org_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)",
            webhook_id,
            org_id,
            url,
            ["document.created"],
            secret,
        )
        await conn.execute("ALTER TABLE notifier.webhooks ENABLE TRIGGER webhooks_secret_sealed")
    return webhook_id, secret


async def stored(pool: asyncpg.Pool) -> dict[str, str]:
    return {r["id"]: r["secret"] for r in await pool.fetch("SELECT id, secret FROM notifier.webhooks")}


async def enqueue_event(pool: asyncpg.Pool, org_id: str) -> None:
    event = Event(
        type="document.created",
        orgId=org_id,
        documentId="c" + uuid.uuid4().hex[:24],
        actor=Actor(type="system"),
        data={"name": "NDA"},
    )
    async with pool.acquire() as conn, conn.transaction():
        await enqueue_deliveries(conn, event)


async def delivery_states(pool: asyncpg.Pool) -> dict[str, tuple[str, str | None]]:
    rows = await pool.fetch("SELECT webhook_id, status, last_error FROM notifier.webhook_deliveries")
    return {r["webhook_id"]: (r["status"], r["last_error"]) for r in rows}


def rotate_env(prepared: Settings, database: str, keys: str) -> dict[str, str]:
    return cli_env(prepared, DATABASE_URL=database, SECRETS_ENCRYPTION_KEYS=keys)


async def test_the_column_holds_the_sealed_secret_only(pool: asyncpg.Pool, receiver: Receiver) -> None:
    keyring = Keyring.parse(OLD)
    webhook_id, secret = await new_webhook(pool, org(), receiver.url, keyring)
    row = await pool.fetchrow(
        "SELECT row_to_json(w)::text AS everything, secret FROM notifier.webhooks w WHERE id = $1", webhook_id
    )
    assert secret not in row["everything"]
    assert row["secret"].startswith(keyring.current_prefix())
    assert keyring.open(row["secret"], f"notifier.webhooks.secret:{webhook_id}") == secret


async def test_the_database_refuses_a_plaintext_secret(pool: asyncpg.Pool, receiver: Receiver) -> None:
    webhook_id, _ = await new_webhook(pool, org(), receiver.url, Keyring.parse(OLD))
    before = await stored(pool)
    with pytest.raises(asyncpg.CheckViolationError, match="must be a sealed value"):
        await pool.execute(
            "INSERT INTO notifier.webhooks (id, org_id, url, events, secret) VALUES ('wh_plain', 'o', $1, $2, $3)",
            receiver.url,
            ["document.created"],
            new_secret(),
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute("UPDATE notifier.webhooks SET secret = $2 WHERE id = $1", webhook_id, new_secret())
    assert await stored(pool) == before


async def test_a_sealed_secret_copied_onto_another_webhook_signs_nothing(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    keyring = Keyring.parse(OLD)
    org_id = org()
    mine, _ = await new_webhook(pool, org_id, receiver.url, keyring)
    victim, _ = await new_webhook(pool, org_id, receiver.url + "/victim", keyring)
    await pool.execute(
        "UPDATE notifier.webhooks SET secret = (SELECT secret FROM notifier.webhooks WHERE id = $1) WHERE id = $2",
        mine,
        victim,
    )
    await enqueue_event(pool, org_id)

    assert await deliver_due(pool, client, FAST, keyring) == 2
    [request] = await receiver.wait_for(1)
    assert request.path == "/hooks/insigner"  # only the webhook whose own secret it is
    states = await delivery_states(pool)
    assert states[mine] == ("succeeded", None)
    assert states[victim] == ("pending", "delivery could not be signed")


async def test_a_hex_secret_issued_before_whsec_keeps_verifying(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A webhook created by an earlier version: its 64-hex secret sealed as it was issued. Its
    receiver keeps the hex string; the inSigner check takes it as it is, and the official
    Standard Webhooks package takes its documented whsec_ form."""
    keyring = Keyring.parse(OLD)
    org_id, webhook_id, secret = org(), "wh_hex" + uuid.uuid4().hex[:8], token_hex(32)
    await pool.execute(
        "INSERT INTO notifier.webhooks (id, org_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)",
        webhook_id,
        org_id,
        receiver.url,
        ["document.created"],
        secret_store.seal(keyring, webhook_id, secret),
    )
    await enqueue_event(pool, org_id)
    assert await deliver_due(pool, client, FAST, keyring) == 1
    [request] = await receiver.wait_for(1)
    assert insigner_signature_ok(secret, request.headers, request.body)
    assert standard_signature_ok(secret, request.headers, request.body)
    assert not standard_signature_ok(token_hex(32), request.headers, request.body)


async def test_rotate_reseals_old_and_legacy_secrets_and_deliveries_still_verify(
    prepared: Settings, database: str, pool: asyncpg.Pool, client: aiohttp.ClientSession, receiver: Receiver
) -> None:
    org_id = org()
    sealed_id, sealed_secret = await new_webhook(pool, org_id, receiver.url + "/sealed", Keyring.parse(OLD))
    legacy_id, legacy_secret = await legacy_webhook(pool, org_id, receiver.url + "/legacy")
    secrets = {sealed_id: sealed_secret, legacy_id: legacy_secret}

    # Before the rotation, a notifier holding only the new key cannot sign the old-key secret:
    # nothing goes out for it (never unsigned), the attempt fails and stays on the schedule.
    await enqueue_event(pool, org_id)
    assert await deliver_due(pool, client, FAST, Keyring.parse(NEW)) == 2
    assert [r.path for r in receiver.requests] == ["/hooks/insigner/legacy"]
    assert (await delivery_states(pool))[sealed_id] == ("pending", "delivery could not be signed")

    result = await countersign("secrets", "rotate", env=rotate_env(prepared, database, f"{NEW},{OLD}"))
    assert result.code == 0, result.err
    new_keyring = Keyring.parse(NEW)
    assert f"re-sealed under key {new_keyring.current_id}: 2" in result.out
    assert f"not yet under key {new_keyring.current_id}: 0" in result.out
    after = await stored(pool)
    assert all(value.startswith(new_keyring.current_prefix()) for value in after.values())
    assert not any(secret in value for secret in secrets.values() for value in after.values())

    # The old key can go: with only the new one, both webhooks are signed with their own secrets.
    receiver.requests.clear()
    await pool.execute("UPDATE notifier.webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'")
    await enqueue_event(pool, org_id)
    while await deliver_due(pool, client, FAST, new_keyring):
        pass
    requests = await receiver.wait_for(3)
    by_webhook = {"/hooks/insigner/sealed": sealed_id, "/hooks/insigner/legacy": legacy_id}
    assert sorted(r.path for r in requests) == [
        "/hooks/insigner/legacy",
        "/hooks/insigner/sealed",
        "/hooks/insigner/sealed",
    ]
    for request in requests:
        secret = secrets[by_webhook[request.path]]
        assert insigner_signature_ok(secret, request.headers, request.body)
        assert standard_signature_ok(secret, request.headers, request.body)
    assert all(state == ("succeeded", None) for state in (await delivery_states(pool)).values())

    # Idempotent: a second run changes nothing, not even the ciphertexts.
    again = await countersign("secrets", "rotate", env=rotate_env(prepared, database, f"{NEW},{OLD}"))
    assert again.code == 0 and f"re-sealed under key {new_keyring.current_id}: 0" in again.out
    assert await stored(pool) == after


async def test_two_rotations_at_once_each_row_resealed_once(
    prepared: Settings, database: str, pool: asyncpg.Pool, receiver: Receiver
) -> None:
    org_id = org()
    secrets = dict([await new_webhook(pool, org_id, f"{receiver.url}/{n}", Keyring.parse(OLD)) for n in range(6)])
    env = rotate_env(prepared, database, f"{NEW},{OLD}")
    first, second = await asyncio.gather(
        countersign("secrets", "rotate", env=env), countersign("secrets", "rotate", env=env)
    )
    assert (first.code, second.code) == (0, 0), (first.err, second.err)
    counts = [int(r.out.split("\n")[0].rsplit(": ", 1)[1]) for r in (first, second)]
    assert sum(counts) == 6  # every row re-sealed exactly once, by one or the other
    keyring = Keyring.parse(NEW)
    after = await stored(pool)
    assert {
        webhook_id: keyring.open(value, f"notifier.webhooks.secret:{webhook_id}") for webhook_id, value in after.items()
    } == secrets


async def test_rotate_names_what_no_key_opens_and_leaves_it(
    prepared: Settings, database: str, pool: asyncpg.Pool, receiver: Receiver
) -> None:
    lost_id, _ = await new_webhook(pool, org(), receiver.url, Keyring.parse(new_key()))  # a key nobody kept
    before = await stored(pool)
    result = await countersign("secrets", "rotate", env=rotate_env(prepared, database, f"{NEW},{OLD}"))
    assert result.code == 1
    assert lost_id in result.out and "not yet under key" in result.out
    assert "SECRETS_ENCRYPTION_KEYS" in result.err
    assert await stored(pool) == before


async def test_the_notifier_warns_at_start_about_secrets_to_rotate(
    pool: asyncpg.Pool, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    await legacy_webhook(pool, org(), receiver.url)
    await new_webhook(pool, org(), receiver.url, Keyring.parse(OLD))
    current = await new_webhook(pool, org(), receiver.url, Keyring.parse(NEW))
    with caplog.at_level(logging.WARNING, logger="countersign.notifier.webhooks"):
        await warn_about_stale_secrets(pool, Keyring.parse(f"{NEW},{OLD}"))
    [record] = [r for r in caplog.records if "countersign secrets rotate" in r.getMessage()]
    assert record.__dict__["fields"]["count"] == 2
    caplog.clear()
    await pool.execute("DELETE FROM notifier.webhooks WHERE id <> $1", current[0])
    await warn_about_stale_secrets(pool, Keyring.parse(f"{NEW},{OLD}"))
    assert not [r for r in caplog.records if "countersign secrets rotate" in r.getMessage()]


async def test_rotate_without_keys_says_so(prepared: Settings, database: str) -> None:
    env = rotate_env(prepared, database, "")
    result = await countersign("secrets", "rotate", env=env)
    assert result.code == 1 and "SECRETS_ENCRYPTION_KEYS is not set" in result.err
