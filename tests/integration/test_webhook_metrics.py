"""Customer webhook attempts counted by outcome (countersign_webhook_attempts_total in the
notifier's scrape): the delivery worker's pass against a real receiver that fails on purpose,
on a database of its own (no running notifier competes for its rows)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from prometheus_client import REGISTRY

from services.notifier.webhooks import service
from services.notifier.webhooks.config import WebhookConfig
from services.notifier.webhooks.fanout import enqueue_deliveries
from services.notifier.webhooks.sender import open_client
from services.notifier.webhooks.worker import deliver_due
from shared.contracts.webhooks import WebhookCreate
from shared.db import create_pool
from shared.events import Actor, Event
from shared.migrate import _with_database, apply_migrations, ensure_database
from shared.secretbox import Keyring, new_key
from shared.settings import Settings
from tests.scratch import eventually
from tests.webhook_receiver import Receiver

FAST = WebhookConfig(retry_schedule=(0.0,), timeout_seconds=5.0, allow_loopback=True, poll_seconds=0.05)
KEYRING = Keyring.parse(new_key())


@pytest.fixture(scope="module")
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    database_url = _with_database(prepared.database_url, prepared.amqp_namespace + "_webhook_metrics")
    await ensure_database(database_url, recreate=True)
    await apply_migrations(database_url)
    pool = await create_pool(prepared.model_copy(update={"database_url": database_url}), min_size=1, max_size=2)
    yield pool
    await pool.close()


def counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("countersign_webhook_attempts_total", {"outcome": outcome}) or 0.0


async def delivery_status(pool: asyncpg.Pool, webhook_id: str) -> str:
    return await pool.fetchval("SELECT status FROM notifier.webhook_deliveries WHERE webhook_id = $1", webhook_id)


@pytest.mark.parametrize(
    ("script", "final", "expected"),
    [
        ([500], "succeeded", {"retrying": 1, "succeeded": 1, "failed": 0}),
        ([500, 503], "failed", {"retrying": 1, "succeeded": 0, "failed": 1}),
    ],
)
async def test_each_attempt_is_counted_by_its_outcome(
    pool: asyncpg.Pool, script: list[int], final: str, expected: dict[str, int]
) -> None:
    receiver = await Receiver().start()
    receiver.script = list(script)
    before = {outcome: counted(outcome) for outcome in expected}
    org_id = "org_" + uuid.uuid4().hex[:16]
    created = await service.create_webhook(
        pool, org_id, WebhookCreate(url=receiver.url, events=["document.created"]), FAST, KEYRING
    )
    event = Event(
        type="document.created",
        orgId=org_id,
        documentId="c" + uuid.uuid4().hex[:24],
        actor=Actor(type="system"),
        data={"name": "NDA"},
    )
    async with pool.acquire() as conn, conn.transaction():
        assert await enqueue_deliveries(conn, event) == 1
    try:
        async with open_client(FAST) as client:

            async def finished() -> bool:
                await deliver_due(pool, client, FAST, KEYRING)
                return await delivery_status(pool, created.id) == final

            await eventually(finished, 20, f"the delivery to end {final}")
        assert len(receiver.requests) == 2
        assert {outcome: counted(outcome) - before[outcome] for outcome in expected} == expected
    finally:
        await receiver.stop()
