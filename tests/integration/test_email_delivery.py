"""The send worker against real PostgreSQL and a real SMTP server that answers as scripted:
headers and parts, transient refusals retried with the schedule, dead letters, permanent
refusals reported as `signer.delivery_failed`, a restart mid-batch, two workers at once.

Its own database (no running notifier competes for the rows); the worker is driven pass by pass
with a fast schedule. The emails here need nothing from the documents service (cancellations
and expiries), so none is running; the e2e tests cover the kinds that fetch links and codes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import aiohttp
import asyncpg
import pytest

from services.notifier.emails import repository as repo
from services.notifier.emails.config import EmailConfig
from services.notifier.emails.documents_client import DocumentsClient
from services.notifier.emails.enqueue import enqueue_emails
from services.notifier.emails.headers import MailFrom
from services.notifier.emails.worker import SendWorker
from services.notifier.mailer import Mailer
from shared.db import create_pool
from shared.events import Actor, Event
from shared.migrate import apply_migrations, ensure_database
from shared.settings import Settings
from tests.email_peers import DEFERRED, REFUSED, ScriptedSmtp, eventually, own_settings
from tests.peers import free_port

FAST = EmailConfig(retry_schedule=(0.05,), max_attempts=4, lease_seconds=60, poll_seconds=0.05, batch_size=5)
SENDER = {"name": "Sam Sender", "email": "sam.sender@acme.test", "orgName": "Acme Corp"}


@pytest.fixture(scope="module")
def smtp() -> Iterator[ScriptedSmtp]:
    server = ScriptedSmtp().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def own(settings: Settings, smtp: ScriptedSmtp) -> AsyncIterator[tuple[Settings, asyncpg.Pool]]:
    own = own_settings(settings, "mail_send", smtp_port=smtp.port, public_url="http://gateway.test")
    await ensure_database(own.database_url, recreate=True)
    await apply_migrations(own.database_url)
    pool = await create_pool(own, min_size=1, max_size=8)
    yield own, pool
    await pool.close()


@pytest.fixture
async def pool(own: tuple[Settings, asyncpg.Pool]) -> asyncpg.Pool:
    await own[1].execute("TRUNCATE notifier.emails, notifier.outbox")
    return own[1]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_worker(
    own: tuple[Settings, asyncpg.Pool],
    http: aiohttp.ClientSession,
    config: EmailConfig = FAST,
    smtp_port: int | None = None,
) -> SendWorker:
    settings = own[0] if smtp_port is None else own[0].model_copy(update={"smtp_port": smtp_port})
    # Nothing here needs the documents service; an address nobody listens on proves it.
    documents = DocumentsClient(http, f"http://127.0.0.1:{free_port()}", "unused")
    return SendWorker(
        own[1],
        Mailer(settings, timeout=5),
        documents,
        config,
        mail_from=MailFrom.parse(settings.mail_from),
        public_url=settings.public_url,
    )


def person(tag: str, i: int) -> dict[str, object]:
    return {
        "id": f"sr_{tag}{i}",
        "name": f"Person {i}",
        "email": f"p{i}.{tag}@example.com",
        "role": "signer",
        "order": i,
    }


def cancelled(count: int) -> tuple[Event, list[str]]:
    tag = uuid.uuid4().hex[:8]
    invited = [person(tag, i) for i in range(count)]
    event = Event(
        type="document.cancelled",
        orgId="org_it",
        documentId="c" + tag,
        actor=Actor(type="api_key"),
        data={"name": f"Lease {tag}", "signers": invited, "invited": invited, "sender": SENDER},
    )
    return event, [str(p["email"]) for p in invited]


async def queue(pool: asyncpg.Pool, event: Event) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue_emails(conn, event)


async def statuses(pool: asyncpg.Pool, event: Event) -> dict[str, tuple[str, int, str | None]]:
    rows = await pool.fetch(
        "SELECT recipient, status, attempts, last_error FROM notifier.emails WHERE event_id = $1", event.id
    )
    return {r["recipient"]: (r["status"], r["attempts"], r["last_error"]) for r in rows}


async def drain(worker: SendWorker, pool: asyncpg.Pool, event: Event) -> dict[str, tuple[str, int, str | None]]:
    """Run passes until no email of the event waits any more (bounded)."""

    async def settled() -> dict[str, tuple[str, int, str | None]] | None:
        await worker.run_once()
        now = await statuses(pool, event)
        return now if all(status not in ("queued", "sending") for status, _, _ in now.values()) else None

    return await eventually(settled, "the emails to settle")


async def test_each_email_goes_out_once_with_from_reply_to_message_id_and_both_parts(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, addresses = cancelled(2)
    await queue(pool, event)
    assert await make_worker(own, http).run_once() == 2
    assert {a: s[:2] for a, s in (await statuses(pool, event)).items()} == {a: ("sent", 1) for a in addresses}
    ids = {
        r["recipient"]: r["id"]
        for r in await pool.fetch("SELECT id, recipient FROM notifier.emails WHERE event_id = $1", event.id)
    }
    for address in addresses:
        [message] = smtp.to(address)
        assert message["From"].addresses[0].addr_spec == "no-reply@countersign.local"
        assert message["From"].addresses[0].display_name == "Sam Sender via Countersign"
        assert str(message["Reply-To"]) == "Sam Sender <sam.sender@acme.test>"
        assert message["Message-ID"] == f"<{ids[address]}@countersign.local>" and message["Date"]
        assert message["Subject"] == f"\u201c{event.data['name']}\u201d was cancelled"
        assert "Acme Corp has cancelled" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Acme Corp has cancelled" in message.get_body(("html",)).get_content()  # type: ignore[union-attr]


async def test_a_deferred_recipient_is_retried_until_the_server_takes_it(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, [address] = cancelled(1)
    smtp.defer(address, 2)
    await queue(pool, event)
    settled = await drain(make_worker(own, http), pool, event)
    assert settled[address][:2] == ("sent", 3)
    assert smtp.attempts(address) == [DEFERRED, DEFERRED, "250 OK"]
    assert len(smtp.to(address)) == 1


async def test_after_the_last_attempt_a_deferred_email_is_dead_lettered_with_the_reason(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, [address] = cancelled(1)
    smtp.defer(address, 1000)
    await queue(pool, event)
    settled = await drain(make_worker(own, http, replace(FAST, max_attempts=3)), pool, event)
    status, attempts, error = settled[address]
    assert (status, attempts) == ("failed", 3) and error is not None and error.startswith("451 4.3.0")
    async with pool.acquire() as conn:
        assert address in [r["recipient"] for r in await repo.dead_letters(conn, 50)]
    assert smtp.to(address) == [] and len(smtp.attempts(address)) == 3


async def test_a_refused_signer_is_bounced_once_and_reported_as_a_delivery_failure(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, [ok, bad] = cancelled(2)
    smtp.refuse(bad)
    await queue(pool, event)
    settled = await drain(make_worker(own, http), pool, event)
    assert settled[ok][:2] == ("sent", 1)
    assert settled[bad][:2] == ("bounced", 1) and settled[bad][2] == REFUSED
    assert smtp.attempts(bad) == [REFUSED]  # never retried
    [reported] = await pool.fetch("SELECT event_type, body FROM notifier.outbox")
    body = reported["body"]
    assert reported["event_type"] == "signer.delivery_failed" and body["documentId"] == event.documentId
    assert body["orgId"] == "org_it" and body["actor"]["type"] == "system"
    assert body["data"]["email"] == bad and body["data"]["reason"] == REFUSED
    assert event.documentId is not None
    assert body["data"]["signer"] == {k: v for k, v in person(event.documentId[1:], 1).items()}


async def test_the_senders_own_address_refused_is_a_dead_letter_but_no_signer_event(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    tag = uuid.uuid4().hex[:8]
    sender = {"name": "Gone", "email": f"gone.{tag}@acme.test", "orgName": "Acme"}
    event = Event(
        type="document.expired",
        orgId="org_it",
        documentId="c" + tag,
        actor=Actor(type="system"),
        data={"name": "NDA", "signers": [person(tag, 0)], "sender": sender},
    )
    smtp.refuse(sender["email"])
    await queue(pool, event)
    settled = await drain(make_worker(own, http), pool, event)
    assert settled[sender["email"]][0] == "bounced"
    assert await pool.fetchval("SELECT count(*) FROM notifier.outbox") == 0


async def test_a_refused_connection_is_transient(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    event, [address] = cancelled(1)
    await queue(pool, event)
    # Nobody listens on this port: connecting fails; the email waits for its next attempt.
    await make_worker(own, http, replace(FAST, retry_schedule=(3600,)), smtp_port=free_port()).run_once()
    status, attempts, error = (await statuses(pool, event))[address]
    assert (status, attempts) == ("queued", 1) and error is not None and "Connect" in error


async def test_a_restart_mid_batch_sends_only_what_had_not_been_sent(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, addresses = cancelled(3)
    await queue(pool, event)
    # A worker claims the batch, gets the first email out and recorded, then dies.
    async with pool.acquire() as conn:
        claimed = await repo.claim_due(conn, 10, 0.3, "crashed")
        first = next(c for c in claimed if c.recipient == addresses[0])
        assert await repo.mark_sent(conn, first)
    settled = await drain(make_worker(own, http), pool, event)
    assert {a: s[0] for a, s in settled.items()} == {a: "sent" for a in addresses}
    assert smtp.to(addresses[0]) == []  # recorded as sent: never sent again
    assert [len(smtp.to(a)) for a in addresses[1:]] == [1, 1]


async def test_two_workers_at_once_send_every_email_exactly_once(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, addresses = cancelled(16)
    await queue(pool, event)
    first, second = make_worker(own, http), make_worker(own, http)

    async def work(worker: SendWorker) -> None:
        while await worker.run_once():
            pass

    await asyncio.gather(work(first), work(second))
    assert {s[0] for s in (await statuses(pool, event)).values()} == {"sent"}
    assert [len(smtp.to(a)) for a in addresses] == [1] * 16
    ids = [m["Message-ID"] for a in addresses for m in smtp.to(a)]
    assert len(set(ids)) == 16


async def test_a_stopping_worker_gives_back_what_it_claimed(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool, http: aiohttp.ClientSession, smtp: ScriptedSmtp
) -> None:
    event, addresses = cancelled(2)
    await queue(pool, event)
    worker = make_worker(own, http)
    worker.stop()
    assert await worker.run_once() == 2
    assert {a: s[:2] for a, s in (await statuses(pool, event)).items()} == {a: ("queued", 0) for a in addresses}
    assert all(smtp.to(a) == [] for a in addresses)


async def test_queueing_wakes_the_send_workers_on_commit_and_a_redelivery_does_not(
    own: tuple[Settings, asyncpg.Pool], pool: asyncpg.Pool
) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(own[0].database_url)
    try:
        await listener.add_listener(repo.CHANNEL, lambda *args: heard.put_nowait(args[2]))
        event, _ = cancelled(2)
        async with pool.acquire() as conn, conn.transaction():
            assert await enqueue_emails(conn, event) == 2
            # A listener's query ends with any notification committed before it was sent.
            await listener.execute("SELECT 1")
            assert heard.empty()  # held until the commit
        async with asyncio.timeout(10):  # a bound, not a timing assertion
            assert await heard.get() == repo.CHANNEL
        await listener.execute("SELECT 1")
        assert heard.empty()  # two inserts in one transaction: one notification (PostgreSQL folds them)

        async with pool.acquire() as conn, conn.transaction():
            assert await enqueue_emails(conn, event) == 0  # the same event again queues nothing
        await listener.execute("SELECT 1")
        assert heard.empty()  # and wakes nobody
    finally:
        await listener.close()
