"""Two replicas of every service, one database and one broker: the lifecycle load through both
gateways does everything exactly once, the replicas share the work and the rate limits, and a
replica that goes away is failed over.

The replicated system has its own database and AMQP namespace, so the session's `system` (whose
consumers and workers would otherwise compete for the same queues and rows) is not involved; its
single *_URL settings point nowhere, so every call between services goes by the replica lists.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import aio_pika
import aiohttp
import asyncpg
import pytest
from aiohttp import web

from services.gateway import credentials
from shared.db import create_pool
from shared.migrate import _with_database
from shared.settings import Settings
from tests.harness import NAMESPACE, ReplicatedSystem, reset_infrastructure, start_replicated_system
from tests.lifecycle_load import LoadClient, check_exactly_once, run_load, settled, wait_until_completed
from tests.peers import Mailbox
from tests.scratch import delete_amqp_namespace

pytestmark = pytest.mark.e2e

DOCUMENTS = 6
served: Counter[str] = Counter()  # requests each replica answered, by replica name


def counting(name: str):  # type: ignore[no-untyped-def]
    @web.middleware
    async def count(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):  # type: ignore[no-untyped-def]
        served[name] += 1
        return await handler(request)

    return count


@pytest.fixture(scope="module")
async def replicated(settings: Settings) -> AsyncIterator[ReplicatedSystem]:
    own = settings.model_copy(
        update={
            "database_url": _with_database(settings.database_url, f"{NAMESPACE}_replicas"),
            "amqp_namespace": f"{NAMESPACE}_replicas",
            "db_pool_max": 3,  # 8 apps on one PostgreSQL shared with the rest of the suite
            "sandbox_pool_size": 1,
        }
    )
    await reset_infrastructure(own)
    system = await start_replicated_system(own, replicas=2, tap=counting)
    yield system
    await system.stop()
    await delete_amqp_namespace(own)


@pytest.fixture(scope="module")
async def rdb(replicated: ReplicatedSystem) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(replicated.settings, min_size=1, max_size=3)
    yield pool
    await pool.close()


async def load_client(
    system: ReplicatedSystem, db: asyncpg.Pool, http: aiohttp.ClientSession, rate_limit: int | None = None
) -> LoadClient:
    async with db.acquire() as conn:
        created = await credentials.create_insigner_key(
            conn, f"Replicas {time.monotonic_ns()}", ["*"], "load", rate_limit_per_minute=rate_limit
        )
    return LoadClient(
        http, system.urls("gateway"), system.urls("documents"), system.settings, created.api_key, created.org_id
    )


async def test_two_replicas_of_each_service_do_everything_exactly_once(
    replicated: ReplicatedSystem, rdb: asyncpg.Pool, http: aiohttp.ClientSession, mailbox: Mailbox
) -> None:
    served.clear()
    client = await load_client(replicated, rdb, http)
    documents = await run_load(client, DOCUMENTS)
    await wait_until_completed(client, documents)
    await settled(rdb, documents)
    await check_exactly_once(rdb, replicated.settings, mailbox, documents)

    # The work was shared: every replica answered requests (the gateways by the client's turns,
    # documents by the gateways' choice, audit by the documents replicas' when they build the
    # certificates; the notifiers answer no HTTP in this load)...
    for name in ("gateway", "documents", "audit"):
        for k in range(2):
            assert served[f"{name}-{k}"] > 0, (name, k, dict(served))
    # ...and both replicas of each consumer are attached to its one queue (competing consumers).
    connection = await aio_pika.connect(replicated.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        for consumer in ("audit", "notifier", "documents"):
            queue = await channel.declare_queue(replicated.settings.queue_name(consumer), passive=True)
            assert queue.declaration_result.consumer_count == 2, consumer


async def test_the_rate_limit_is_one_budget_across_gateway_replicas(
    replicated: ReplicatedSystem, rdb: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    limit = 4
    client = await load_client(replicated, rdb, http, rate_limit=limit)
    for _ in range(2):  # windows are aligned to the minute: a run across a boundary runs again
        window = int(time.time()) // 60
        statuses = [(await client.call("GET", "/api/v1/documents"))[0] for _ in range(limit + 2)]
        if int(time.time()) // 60 == window:
            break
        client = await load_client(replicated, rdb, http, rate_limit=limit)
    # Alternating gateways: each saw at most 3 of the 6, so only a shared count refuses any.
    assert statuses == [200] * limit + [429, 429]


async def test_a_replica_that_goes_away_is_failed_over(
    replicated: ReplicatedSystem, rdb: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    client = await load_client(replicated, rdb, http)
    gone = replicated.replicas["documents"].pop(0)  # stopped for good: the fixture must not stop it again
    await gone.runner.cleanup()
    # Its port now refuses connections; the gateways still list it. Every request, reads and
    # writes alike (a refused connection never carried the request), is answered by the other.
    before = await rdb.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", client.org_id)
    for n in range(6):
        status, body = await client.call("POST", "/api/v1/documents", json={"name": f"after failover {n}"})
        assert status == 201, body
        status, body = await client.call("GET", f"/api/v1/documents/{body['data']['id']}")
        assert status == 200, body
    after = await rdb.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", client.org_id)
    assert after - before == 6  # each POST ran once: none was lost, none was sent twice
    # The gateway stays ready while one replica of each service is.
    async with http.get(replicated.urls("gateway")[0] + "/readyz") as resp:
        assert resp.status == 200, await resp.text()
