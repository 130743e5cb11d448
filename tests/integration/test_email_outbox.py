"""The email outbox against real PostgreSQL: one row per (event, recipient), exclusive claims
across replicas, leases, and outcomes guarded by the lease.

A database of its own (no running notifier competes for the rows); events are queued with the
consumer's own step (`enqueue_emails`), each call in its own transaction as the consumer runs it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.notifier.emails import repository as repo
from services.notifier.emails.enqueue import enqueue_emails
from shared.db import create_pool
from shared.events import Actor, Event
from shared.migrate import apply_migrations, ensure_database
from shared.settings import Settings
from tests.email_peers import own_settings


@pytest.fixture(scope="module")
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    own = own_settings(settings, "mail_outbox")
    await ensure_database(own.database_url, recreate=True)
    await apply_migrations(own.database_url)
    pool = await create_pool(own, min_size=1, max_size=6)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
async def empty(pool: asyncpg.Pool) -> None:
    await pool.execute("TRUNCATE notifier.emails, notifier.outbox")


def cancelled(count: int) -> Event:
    """An event that emails `count` participants (no link to fetch)."""
    tag = uuid.uuid4().hex[:8]
    invited = [
        {"id": f"sr_{tag}{i}", "name": f"P {i}", "email": f"p{i}.{tag}@example.com", "role": "signer", "order": i}
        for i in range(count)
    ]
    return Event(
        type="document.cancelled",
        orgId="org_it",
        documentId="c" + tag,
        actor=Actor(type="api_key"),
        data={"name": "NDA", "signers": invited, "invited": invited, "sender": {"name": "S", "email": "s@x.test"}},
    )


async def queue(pool: asyncpg.Pool, event: Event) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await enqueue_emails(conn, event)


async def test_a_redelivered_event_queues_nothing_new(pool: asyncpg.Pool) -> None:
    event = cancelled(3)
    assert await queue(pool, event) == 3
    # As if processed_events had not caught the duplicate: the unique key still does.
    assert await queue(pool, event) == 0
    rows = await pool.fetch("SELECT recipient, status, context FROM notifier.emails WHERE event_id = $1", event.id)
    assert len(rows) == 3 and {r["status"] for r in rows} == {"queued"}
    assert all(r["context"]["kind"] == "cancelled" for r in rows)


async def test_nothing_secret_is_stored_with_an_email(pool: asyncpg.Pool) -> None:
    event = cancelled(1)
    await queue(pool, event)
    stored = await pool.fetchval("SELECT context::text FROM notifier.emails WHERE event_id = $1", event.id)
    assert "/sign/" not in stored and "token" not in stored and "code" not in stored


async def test_two_replicas_claiming_at_once_never_share_an_email(pool: asyncpg.Pool) -> None:
    await queue(pool, cancelled(12))

    async def claim(worker: str) -> list[repo.Claimed]:
        async with pool.acquire() as conn:
            return await repo.claim_due(conn, 12, 60, worker)

    first, second = await asyncio.gather(claim("a"), claim("b"))
    a, b = {c.id for c in first}, {c.id for c in second}
    assert not a & b and len(a | b) == 12
    owners = await pool.fetch("SELECT claimed_by, count(*) FROM notifier.emails WHERE status = 'sending' GROUP BY 1")
    assert sum(r["count"] for r in owners) == 12


async def test_an_abandoned_claim_is_taken_over_after_its_lease_and_not_before(pool: asyncpg.Pool) -> None:
    await queue(pool, cancelled(2))
    async with pool.acquire() as conn:
        live = await repo.claim_due(conn, 1, 60, "alive")
        dead = await repo.claim_due(conn, 1, 0.05, "crashed")
        assert len(live) == len(dead) == 1
        await asyncio.sleep(0.1)  # let the short lease run out (setup, not an assertion)
        taken = await repo.claim_due(conn, 10, 60, "replica")
    assert [c.id for c in taken] == [dead[0].id]
    # The crashed worker's late outcome is dropped: the email belongs to the new claim now.
    async with pool.acquire() as conn:
        assert not await repo.mark_sent(conn, dead[0])
        assert await repo.mark_sent(conn, taken[0])
    assert await pool.fetchval("SELECT status FROM notifier.emails WHERE id = $1", dead[0].id) == "sent"


async def test_release_gives_emails_back_without_counting_an_attempt(pool: asyncpg.Pool) -> None:
    await queue(pool, cancelled(2))
    async with pool.acquire() as conn:
        claimed = await repo.claim_due(conn, 10, 60, "stopping")
        await repo.release(conn, claimed)
        rows = await conn.fetch("SELECT status, attempts, lease_token FROM notifier.emails")
        again = await repo.claim_due(conn, 10, 60, "next")
    assert [(r["status"], r["attempts"], r["lease_token"]) for r in rows] == [("queued", 0, None)] * 2
    assert len(again) == 2


async def test_dead_letters_list_failed_and_bounced_emails_and_a_failed_one_can_be_requeued(pool: asyncpg.Pool) -> None:
    await queue(pool, cancelled(3))
    async with pool.acquire() as conn:
        first, second, third = await repo.claim_due(conn, 10, 60, "w")
        await repo.mark_final(conn, first, "failed", "451 4.3.0 try later")
        await repo.mark_final(conn, second, "bounced", "550 5.1.1 unknown")
        await repo.mark_sent(conn, third)
        dead = await repo.dead_letters(conn, 10)
        assert {(r["id"], r["status"], r["last_error"]) for r in dead} == {
            (first.id, "failed", "451 4.3.0 try later"),
            (second.id, "bounced", "550 5.1.1 unknown"),
        }
        assert await repo.requeue_failed(conn, first.id)
        assert not await repo.requeue_failed(conn, second.id)  # a bounce needs a new address, not a retry
        assert await conn.fetchval("SELECT status FROM notifier.emails WHERE id = $1", first.id) == "queued"
