"""The gateway's in-memory API keys (services/gateway/key_cache.py), on two replicas that both
hold the key in memory: a change made in the database (revoked, limit set) holds from the very
next request on either replica, and an address that spent its failure budget on one replica is
refused on the other, with a key that replica answers from memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import asyncpg
import pytest

from services.gateway import credentials
from services.gateway.key_cache import KEY_CACHE, KeyCache
from tests.conftest import Api
from tests.e2e.test_rate_limits import D, KeyApi, new_address, new_key, start_gateway, within_one_window
from tests.harness import RunningService, System

pytestmark = pytest.mark.e2e

FAILURE_LIMIT = 2


async def listening(cache: KeyCache) -> None:
    while not cache.ready:  # the listener connects in the background at start-up
        await asyncio.sleep(0.01)


@pytest.fixture
async def two(system: System) -> AsyncIterator[tuple[RunningService, RunningService]]:
    settings = {"auth_failure_limit_per_minute": FAILURE_LIMIT, "trusted_proxies": ["127.0.0.1/32"], "db_pool_max": 2}
    first, second = await start_gateway(system, **settings), await start_gateway(system, **settings)
    async with asyncio.timeout(30):
        await asyncio.gather(listening(first.app[KEY_CACHE]), listening(second.app[KEY_CACHE]))
    yield first, second
    await first.runner.cleanup()
    await second.runner.cleanup()


async def held_by_both(key: KeyApi, replicas: tuple[RunningService, RunningService]) -> None:
    """One request through each replica; afterwards each answers the key from memory."""
    assert key.key is not None
    for replica in replicas:
        status, _, _ = await Api(key.session, replica.url, key.key, key.org_id).request("GET", D, headers=key.headers())
        assert status == 200
        assert replica.app[KEY_CACHE].get(credentials.hash_secret(key.key)) is not None


async def test_a_revoked_key_fails_on_the_next_request_on_every_replica(
    two: tuple[RunningService, RunningService], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    key = await new_key(db, http, two[0].url, rate_limit=0, address=new_address())
    await held_by_both(key, two)
    async with db.acquire() as conn:
        assert await credentials.revoke_key(conn, key.key_id) is not None
    for replica in two:
        status, body, _ = await Api(http, replica.url, key.key, key.org_id).request(
            "POST", D, json={"name": "late"}, headers=key.headers()
        )
        assert status == 401 and body["detail"] == "Invalid or revoked API key"
    assert key.key is not None and all(r.app[KEY_CACHE].get(credentials.hash_secret(key.key)) is None for r in two)
    assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", key.org_id) == 0


async def test_a_limit_set_on_a_held_key_counts_from_the_next_request(
    two: tuple[RunningService, RunningService], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    async def sequence() -> None:
        key = await new_key(db, http, two[0].url, rate_limit=0, address=new_address())
        await held_by_both(key, two)
        async with db.acquire() as conn:
            assert await credentials.set_rate_limit(conn, key.key_id, 1) == "insigner"
        first, second = (Api(http, replica.url, key.key, key.org_id) for replica in two)
        status, _, resp = await first.request("GET", D, headers=key.headers())
        assert status == 200 and resp.headers["RateLimit-Limit"] == "1"
        status, body, _ = await second.request("POST", D, json={"name": "over"}, headers=key.headers())
        assert status == 429 and body["type"].endswith("/rate-limited")
        assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", key.org_id) == 0

    await within_one_window(60, sequence)


async def test_an_address_spent_on_one_replica_is_refused_on_the_other_with_a_held_key(
    two: tuple[RunningService, RunningService], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    first, second = two

    async def sequence() -> None:
        address = new_address()
        honest = await new_key(db, http, first.url, rate_limit=0, address=address)
        await held_by_both(honest, two)
        for _ in range(FAILURE_LIMIT):
            async with http.get(
                first.url + D, headers={"X-Forwarded-For": address, "Authorization": "Bearer not-a-key"}
            ) as resp:
                assert resp.status == 401
        # The spending failure was announced; the other replica refuses the key it holds.
        status, body, resp = await Api(http, second.url, honest.key, honest.org_id).request(
            "POST", D, json={"name": "x"}, headers={"X-Forwarded-For": address}
        )
        assert status == 429 and body["title"] == "Too Many Requests"
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
        assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", honest.org_id) == 0

    await within_one_window(60, sequence)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(30):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_lost_listener_empties_the_cache_until_it_is_back(
    two: tuple[RunningService, RunningService], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    replica = two[0]
    cache = replica.app[KEY_CACHE]
    key = await new_key(db, http, replica.url, rate_limit=0, address=new_address())
    assert key.key is not None
    digest = credentials.hash_secret(key.key)
    await held_by_both(key, two)
    lost_pid = cache.listener_pid
    assert await db.fetchval("SELECT pg_terminate_backend($1)", lost_pid)
    # While nobody listens nothing is served from memory: what was held is gone.
    await until(lambda: not cache.ready or cache.listener_pid != lost_pid)
    assert cache.get(digest) is None
    # The database answers meanwhile, and once the listener is back the key is held again.
    await until(lambda: cache.ready)
    assert cache.listener_pid != lost_pid and cache.get(digest) is None
    status, _, _ = await Api(http, replica.url, key.key, key.org_id).request("GET", D, headers=key.headers())
    assert status == 200 and cache.get(digest) is not None
