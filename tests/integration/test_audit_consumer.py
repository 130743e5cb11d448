"""The audit consumer against real RabbitMQ and PostgreSQL: entries with geo, dedupe,
dead-lettering and one linear hash chain per document under concurrency.

Two audit service instances consume the queue at once, as two replicas would.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import aio_pika
import asyncpg
import orjson
import pytest

from services.audit import repository
from services.audit.app import create_app
from services.audit.chain import GENESIS_HASH, verify_chain
from services.audit.recorder import record, record_once
from shared.broker import Broker, Consumer
from shared.db import create_pool
from shared.events import Actor, Event
from shared.geo import GeoLocator
from shared.ids import document_id
from shared.processed import SelfRecording
from shared.settings import Settings
from tests.harness import RunningService, _listening_socket, serve

WAIT_SECONDS = 20
T = TypeVar("T")

API_ACTOR = Actor(type="api_key", id="key_test", ip="203.0.113.42", userAgent="curl/8.4.0")


@pytest.fixture(scope="module")
async def audit_replicas(prepared: Settings) -> AsyncIterator[list[RunningService]]:
    replicas = [await serve(f"audit-{n}", create_app(prepared), _listening_socket()) for n in range(2)]
    yield replicas
    for replica in replicas:
        await replica.runner.cleanup()


@pytest.fixture(scope="module")
async def broker(prepared: Settings) -> AsyncIterator[Broker]:
    broker = Broker(prepared)
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture(scope="module")
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    # Large enough for the concurrent-append test to really run transactions side by side.
    pool = await create_pool(prepared, min_size=2, max_size=12)
    yield pool
    await pool.close()


async def eventually(probe: Callable[[], Awaitable[T]], what: str) -> T:
    for _ in range(WAIT_SECONDS * 10):
        result = await probe()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def event(
    doc: str,
    event_type: str = "document.created",
    data: dict[str, Any] | None = None,
    actor: Actor = API_ACTOR,
    org: str = "org_audit_it",
) -> Event:
    return Event(type=event_type, orgId=org, documentId=doc, actor=actor, data=data or {"name": "NDA - Acme Corp"})


async def publish(broker: Broker, ev: Event) -> None:
    await broker.publish(ev.type, ev.model_dump(mode="json"))


async def entries_of(pool: asyncpg.Pool, doc: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM audit.entries WHERE document_id = $1 ORDER BY position", doc)


async def test_published_event_becomes_a_geo_tagged_chained_entry(audit_replicas, broker, pool):
    doc = document_id()
    created = event(doc)
    await publish(broker, created)

    rows = await eventually(lambda: entries_of(pool, doc), "the audit entry")
    [entry] = rows
    assert entry["id"].startswith("log_")
    assert entry["event_id"] == created.id
    assert entry["org_id"] == "org_audit_it"
    assert entry["action"] == "document.created"
    assert entry["details"] == 'API: Created document "NDA - Acme Corp"'
    assert (entry["ip_address"], entry["user_agent"]) == ("203.0.113.42", "curl/8.4.0")
    assert (entry["geo_city"], entry["geo_country"]) == ("Bogotá", "CO")
    assert (entry["actor_type"], entry["actor_id"]) == ("api_key", "key_test")
    assert entry["created_at"] == created.occurredAt
    assert (entry["position"], entry["prev_hash"]) == (1, GENESIS_HASH)


async def test_each_ip_gets_its_own_location_and_private_ips_get_none(audit_replicas, broker, pool):
    doc = document_id()
    ips = ["198.51.100.7", "10.0.0.1", "2001:db8::5", None]
    for n, ip in enumerate(ips):
        await publish(
            broker,
            event(
                doc,
                "field.added",
                {"field": {"type": "signature", "page": n + 1}},
                actor=Actor(type="api_key", id="key_test", ip=ip),
            ),
        )

    rows = await eventually(lambda: _at_least(entries_of(pool, doc), len(ips)), "four entries")
    by_ip = {row["ip_address"]: (row["geo_city"], row["geo_country"]) for row in rows}
    assert by_ip == {
        "198.51.100.7": ("Lisbon", "PT"),
        "10.0.0.1": (None, None),
        "2001:db8::5": ("Tokyo", "JP"),
        None: (None, None),
    }


async def test_event_without_a_document_is_consumed_without_an_entry(audit_replicas, broker, pool):
    orphan = Event(type="document.created", orgId="org_audit_it", documentId=None, actor=API_ACTOR)
    await publish(broker, orphan)

    async def processed() -> bool:
        async with pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT 1 FROM audit.processed_events WHERE event_id = $1", orphan.id))

    await eventually(processed, "the event to be processed")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit.entries WHERE event_id = $1", orphan.id) == 0


async def test_the_same_event_published_twice_makes_one_entry(audit_replicas, broker, pool, caplog):
    caplog.set_level(logging.INFO, logger="countersign.broker")
    doc = document_id()
    once = event(doc)
    await publish(broker, once)
    await publish(broker, once)  # a redelivery: same id, same body

    def skipped() -> bool:
        return any(
            r.getMessage() == "duplicate event skipped" and getattr(r, "fields", {}).get("eventId") == str(once.id)
            for r in caplog.records
        )

    async def both_handled() -> bool:
        return bool(await entries_of(pool, doc)) and skipped()

    await eventually(both_handled, "one entry and one skipped duplicate")
    rows = await entries_of(pool, doc)
    assert len(rows) == 1
    assert verify_chain(await _chain(pool, doc)).ok


async def test_event_id_uniqueness_guards_even_without_processed_events(prepared, pool):
    # The second guard: record() called twice for one event (as if processed_events were lost)
    # writes one entry and leaves the chain head on that entry.
    geo = GeoLocator.open(prepared.geoip_db_path)
    doc = document_id()
    ev = event(doc)
    results = []
    for _ in range(2):
        async with pool.acquire() as conn, conn.transaction():
            results.append(await record(conn, ev, geo))
    assert results[0] is not None and results[1] is None
    async with pool.acquire() as conn:
        head = await conn.fetchrow("SELECT position, hash FROM audit.chain_heads WHERE document_id = $1", doc)
    assert (head["position"], head["hash"]) == (1, results[0].hash)
    assert len(await entries_of(pool, doc)) == 1


async def test_poison_message_is_dead_lettered(prepared, audit_replicas, broker):
    marker = uuid.uuid4().hex
    assert broker.connection is not None
    channel = await broker.connection.channel(publisher_confirms=True)
    # Straight to the audit queue, so no other consumer's queue sees these synthetic messages.
    queue_name = prepared.queue_name("audit")
    bodies = {
        f"not json {marker}".encode(),
        orjson.dumps(
            {
                "id": str(uuid.uuid4()),
                "type": "no.such_type",
                "orgId": "o",
                "actor": {"type": "system"},
                "marker": marker,
            }
        ),
    }
    for body in bodies:
        await channel.default_exchange.publish(
            aio_pika.Message(body, content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=queue_name,
        )

    dead = await channel.get_queue(f"{queue_name}.dead")
    found: set[bytes] = set()

    async def all_dead_lettered() -> bool:
        while (message := await dead.get(no_ack=False, fail=False)) is not None:
            if marker.encode() in message.body:
                found.add(message.body)
                await message.ack()
            else:
                await message.nack(requeue=True)  # another test's message: leave it
                break
        return found == bodies

    await eventually(all_dead_lettered, "both poison messages in the dead-letter queue")
    await channel.close()


async def test_concurrent_events_of_one_document_form_one_unbroken_chain(audit_replicas, broker, pool):
    doc = document_id()
    count = 40
    # Published at once; two replicas with prefetch consume them concurrently.
    await asyncio.gather(
        *(
            publish(broker, event(doc, "field.added", {"field": {"type": "text", "page": n}}))
            for n in range(1, count + 1)
        )
    )

    await eventually(lambda: _at_least(entries_of(pool, doc), count), f"{count} entries")
    chain = await _chain(pool, doc)
    assert [e.record.position for e in chain] == list(range(1, count + 1))
    assert verify_chain(chain).ok


async def test_concurrent_transactions_serialise_on_the_chain_head(prepared, broker, pool):
    # Without RabbitMQ in between: 24 handler transactions on one document at the same moment.
    geo = GeoLocator.open(prepared.geoip_db_path)

    async def handler(conn: asyncpg.Connection, ev: Event) -> None:
        await record(conn, ev, geo)

    consumer = Consumer(broker, pool, "audit", "audit", handler)
    doc = document_id()
    ran = await asyncio.gather(
        *(consumer.handle_once(event(doc, "document.updated", {"changes": ["name"]})) for _ in range(24))
    )
    assert all(ran)
    chain = await _chain(pool, doc)
    assert len(chain) == 24 and verify_chain(chain).ok
    async with pool.acquire() as conn:
        head = await conn.fetchrow("SELECT position, hash FROM audit.chain_heads WHERE document_id = $1", doc)
    assert (head["position"], head["hash"]) == (24, chain[-1].hash)


async def test_the_services_handler_records_each_event_once_under_concurrent_redelivery(prepared, broker, pool):
    # The service's own handler (record_once: the dedupe record written by the head's lock), each
    # of 12 events of one document handled twice at the same moment: 12 entries, one chain.
    geo = GeoLocator.open(prepared.geoip_db_path)
    consumer = Consumer(broker, pool, "audit", "audit", SelfRecording(lambda p, ev: record_once(p, ev, geo)))
    doc = document_id()
    events = [event(doc, "document.updated", {"changes": ["name"]}) for _ in range(12)]
    ran = await asyncio.gather(*(consumer.handle_once(ev) for ev in events + events))
    assert sum(ran) == 12
    chain = await _chain(pool, doc)
    assert sorted(e.record.event_id for e in chain) == sorted(str(ev.id) for ev in events)
    assert verify_chain(chain).ok
    processed = await pool.fetchval(
        "SELECT count(*) FROM audit.processed_events WHERE event_id = ANY($1::uuid[])", [ev.id for ev in events]
    )
    assert processed == 12


async def test_stored_entries_cannot_be_altered_or_deleted(audit_replicas, broker, pool):
    doc = document_id()
    await publish(broker, event(doc))
    await eventually(lambda: entries_of(pool, doc), "the audit entry")
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE audit.entries SET details = 'nothing happened' WHERE document_id = $1", doc)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit.entries WHERE document_id = $1", doc)
    assert verify_chain(await _chain(pool, doc)).ok


async def _at_least(rows: Awaitable[list[asyncpg.Record]], count: int) -> list[asyncpg.Record] | None:
    fetched = await rows
    return fetched if len(fetched) >= count else None


async def _chain(pool: asyncpg.Pool, doc: str):  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        return await repository.load_chain(conn, doc)
