"""`countersign outbox status` and `countersign dlq list | replay`, run as operators run them (the
CLI in a subprocess) against real PostgreSQL and RabbitMQ.

The outbox test has a database of its own, and the dead-letter tests a scratch AMQP namespace and
schema (tests/scratch.py): no running relay or consumer of the `system` fixture touches their rows
or messages.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aio_pika
import asyncpg
import pytest

from shared.broker import Broker, Consumer
from shared.db import create_pool
from shared.events import Event
from shared.migrate import _with_database, apply_migrations, ensure_database
from shared.settings import Settings
from tests.integration.test_cli import cli_env, closed_port, countersign  # noqa: F401 (a fixture)
from tests.scratch import create_outbox_schema, delete_amqp_namespace, eventually, sample_event, scratch_settings

SCHEMA = "dlq_cli_test"


# --- outbox status ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def outbox_database(prepared: Settings) -> str:
    url = _with_database(prepared.database_url, prepared.amqp_namespace + "_outbox_cli")
    await ensure_database(url, recreate=True)
    await apply_migrations(url)
    return url


async def add_outbox_row(conn: asyncpg.Connection, schema: str, age: str, published: bool = False) -> None:
    event = sample_event()
    await conn.execute(
        f"""INSERT INTO {schema}.outbox (event_id, event_type, body, created_at, published_at)
            VALUES ($1, $2, $3::jsonb, now() - $4::text::interval, CASE WHEN $5 THEN now() END)""",
        event.id,
        event.type,
        event.model_dump_json(),
        age,
        published,
    )


async def test_outbox_status_counts_unpublished_rows_and_ages_the_oldest(
    prepared: Settings, outbox_database: str
) -> None:
    conn = await asyncpg.connect(outbox_database)
    try:
        await add_outbox_row(conn, "documents", "2 hours")
        await add_outbox_row(conn, "documents", "10 minutes")
        await add_outbox_row(conn, "documents", "0 seconds")
        await add_outbox_row(conn, "documents", "3 hours", published=True)  # published: not a backlog
        await add_outbox_row(conn, "notifier", "1 day", published=True)
        env = cli_env(prepared, DATABASE_URL=outbox_database)

        result = await countersign("outbox", "status", "--json", env=env)
        assert result.code == 0, result.err
        status = {row["service"]: row for row in json.loads(result.out)}
        assert set(status) == {"documents", "notifier"}
        assert status["documents"]["pending"] == 3
        assert 2 * 3600 <= status["documents"]["oldestAgeSeconds"] < 3 * 3600
        assert (status["notifier"]["pending"], status["notifier"]["oldestAgeSeconds"]) == (0, None)

        text = await countersign("outbox", "status", env=env)
        assert text.code == 0, text.err
        documents_line = next(line for line in text.out.splitlines() if line.startswith("documents"))
        assert documents_line.split()[1] == "3" and documents_line.endswith(" h")

        # Once the relay has published them, there is no backlog left.
        await conn.execute("UPDATE documents.outbox SET published_at = now() WHERE published_at IS NULL")
        after = await countersign("outbox", "status", "--json", env=env)
        assert [(r["service"], r["pending"], r["oldestAgeSeconds"]) for r in json.loads(after.out)] == [
            ("documents", 0, None),
            ("notifier", 0, None),
        ]
    finally:
        await conn.close()


# --- dead-letter queues -----------------------------------------------------------------------


@pytest.fixture
async def dlq_settings(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "dlqcli")
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


@pytest.fixture
async def publisher(dlq_settings: Settings) -> AsyncIterator[Broker]:
    broker = Broker(dlq_settings)
    await broker.connect()  # declares the namespace's exchange and queues
    yield broker
    await broker.close()


@pytest.fixture
async def pool(dlq_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(dlq_settings, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await create_outbox_schema(conn, SCHEMA)
    yield pool
    await pool.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await pool.close()


async def dead_letter_from_audit(settings: Settings, count: int) -> None:
    """Reject `count` messages of the audit queue the way a consumer gives up on a message: the
    broker itself moves them to the (so far empty) dead-letter queue."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        queue = await (await connection.channel()).get_queue(settings.queue_name("audit"))
        for _ in range(count):
            message = None

            async def arrived() -> bool:
                nonlocal message
                message = await queue.get(no_ack=False, fail=False)
                return message is not None

            await eventually(arrived, 10, "a message on the audit queue")
            assert message is not None
            await message.reject(requeue=False)
    dead = settings.queue_name("audit") + ".dead"

    async def landed() -> bool:  # dead-lettering is asynchronous; each test starts from an empty queue
        return await queue_depth(settings, dead) == count

    await eventually(landed, 10, f"{count} message(s) in {dead}")


async def queue_depth(settings: Settings, name: str) -> int:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        queue = await (await connection.channel()).declare_queue(name, passive=True)
        assert queue.declaration_result is not None
        return int(queue.declaration_result.message_count or 0)


async def dlq_list(env: dict[str, str]) -> dict[str, dict]:
    result = await countersign("dlq", "list", "--json", env=env)
    assert result.code == 0, result.err
    return {row["consumer"]: row for row in json.loads(result.out)}


async def test_dead_letters_are_listed_in_place_and_replayed_into_their_own_queue(
    dlq_settings: Settings, publisher: Broker, pool: asyncpg.Pool
) -> None:
    good = sample_event(1)
    await publisher.publish(good.type, good.model_dump(mode="json"))
    raw = await aio_pika.connect(dlq_settings.amqp_url)
    async with raw:
        exchange = await (await raw.channel()).get_exchange(dlq_settings.events_exchange)
        await exchange.publish(aio_pika.Message(b"{not json", message_id="poison-1"), routing_key="document.created")
    await dead_letter_from_audit(dlq_settings, 2)
    audit, notifier = dlq_settings.queue_name("audit"), dlq_settings.queue_name("notifier")
    env = cli_env(dlq_settings)

    listed = await dlq_list(env)
    assert set(listed) == {"audit", "notifier", "documents"}
    assert (listed["audit"]["queue"], listed["audit"]["deadLetterQueue"]) == (audit, audit + ".dead")
    assert listed["audit"]["count"] == 2 and listed["notifier"]["count"] == listed["documents"]["count"] == 0
    shown = {m["messageId"]: m for m in listed["audit"]["messages"]}
    assert set(shown) == {str(good.id), "poison-1"}
    assert {(m["eventType"], m["reason"]) for m in shown.values()} == {("document.created", "rejected")}
    assert all(m["deadAt"] for m in shown.values())
    # Listing took nothing away.
    assert (await dlq_list(env))["audit"]["count"] == 2
    notifier_before = await queue_depth(dlq_settings, notifier)

    replayed = await countersign("dlq", "replay", "audit", "--json", env=env)
    assert replayed.code == 0, replayed.err
    assert json.loads(replayed.out) == {"queue": audit, "replayed": 2}
    assert await queue_depth(dlq_settings, audit + ".dead") == 0
    assert await queue_depth(dlq_settings, audit) == 2
    assert await queue_depth(dlq_settings, notifier) == notifier_before  # back to its own queue only

    # The audit consumer takes them again: the good event is handled once, the poison dies again.
    async def record(conn: asyncpg.Connection, event: Event) -> None:
        await conn.execute(f"INSERT INTO {SCHEMA}.effects (event_id) VALUES ($1)", event.id)

    broker = Broker(dlq_settings)
    try:
        await broker.connect()
        await Consumer(broker, pool, "audit", SCHEMA, record).start()

        async def settled() -> bool:
            handled = await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.effects WHERE event_id = $1", good.id)
            return handled == 1 and await queue_depth(dlq_settings, audit + ".dead") == 1

        await eventually(settled, 20, "the replayed event handled and the poison dead again")
    finally:
        await broker.close()
    [poison] = (await dlq_list(env))["audit"]["messages"]
    assert poison["messageId"] == "poison-1"


async def test_a_replay_the_queue_does_not_take_loses_nothing(dlq_settings: Settings, publisher: Broker) -> None:
    """At least once, never at most once: a message is taken off the dead-letter queue only once
    its queue has it. Here the queue is gone (deleted by hand), so the broker returns the message."""
    event = sample_event(2)
    await publisher.publish(event.type, event.model_dump(mode="json"))
    await dead_letter_from_audit(dlq_settings, 1)
    audit = dlq_settings.queue_name("audit")
    connection = await aio_pika.connect(dlq_settings.amqp_url)
    async with connection:
        await (await connection.channel()).queue_delete(audit)

    result = await countersign("dlq", "replay", audit + ".dead", env=cli_env(dlq_settings))
    assert result.code == 1
    assert result.err.startswith("countersign: replayed 0 message(s), then stopped") and "Traceback" not in result.err
    assert await queue_depth(dlq_settings, audit + ".dead") == 1
    [kept] = (await dlq_list(cli_env(dlq_settings)))["audit"]["messages"]
    assert kept["messageId"] == str(event.id)


async def test_replay_refuses_an_unknown_queue_and_moves_nothing(dlq_settings: Settings, publisher: Broker) -> None:
    event = sample_event(3)
    await publisher.publish(event.type, event.model_dump(mode="json"))
    await dead_letter_from_audit(dlq_settings, 1)
    result = await countersign("dlq", "replay", "auditt", env=cli_env(dlq_settings))
    assert result.code == 2
    assert "no dead-letter queue 'auditt'" in result.err and dlq_settings.queue_name("audit") in result.err
    assert await queue_depth(dlq_settings, dlq_settings.queue_name("audit") + ".dead") == 1
    [kept] = (await dlq_list(cli_env(dlq_settings)))["audit"]["messages"]
    assert kept["messageId"] == str(event.id)


async def test_dlq_says_when_rabbitmq_is_not_reachable(dlq_settings: Settings, closed_port: int) -> None:
    env = cli_env(dlq_settings, AMQP_URL=f"amqp://guest:guest@127.0.0.1:{closed_port}/")
    result = await countersign("dlq", "list", env=env)
    assert result.code == 1
    assert (
        result.err.startswith("countersign: RabbitMQ is not reachable at 127.0.0.1:") and "Traceback" not in result.err
    )


async def test_dlq_on_a_broker_that_never_saw_the_services_is_empty_and_declares_nothing(
    dlq_settings: Settings,
) -> None:
    env = cli_env(dlq_settings)  # the fixture deleted this namespace's queues
    listed = await dlq_list(env)
    assert {c: (q["count"], q["messages"]) for c, q in listed.items()} == {
        "audit": (0, []),
        "notifier": (0, []),
        "documents": (0, []),
    }
    replayed = await countersign("dlq", "replay", "notifier", "--json", env=env)
    assert replayed.code == 0 and json.loads(replayed.out)["replayed"] == 0
    with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
        await queue_depth(dlq_settings, dlq_settings.queue_name("notifier") + ".dead")
