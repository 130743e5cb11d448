"""`countersign keys create --rate-limit N` and `countersign keys limit KEY_ID N`, run as operators
run them, and their effect on the running gateway (whose default is out of reach in tests, so a
limit seen here is the key's own)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import asyncpg

from tests.harness import System
from tests.integration.test_cli import countersign, env, key_row, org_name  # noqa: F401  (fixtures)


async def get_documents(http: aiohttp.ClientSession, system: System, key: str) -> aiohttp.ClientResponse:
    async with http.get(system.gateway_url + "/api/v1/documents", headers={"Authorization": f"Bearer {key}"}) as resp:
        await resp.read()
        return resp


async def test_a_key_created_with_its_own_limit(
    env: dict[str, str],
    org_name: str,
    db: asyncpg.Pool,  # noqa: F811
    system: System,
    http: aiohttp.ClientSession,
) -> None:
    result = await countersign("keys", "create", "--org", org_name, "--rate-limit", "2", "--json", env=env)
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert created["rateLimitPerMinute"] == 2
    assert (await key_row(db, created["keyId"]))["rate_limit_per_minute"] == 2

    for _ in range(2):
        minute = int(time.time()) // 60
        answers = [await get_documents(http, system, created["apiKey"]) for _ in range(3)]
        if int(time.time()) // 60 == minute:
            break  # else the three straddled a minute: the counts restarted, try once more
    assert [r.status for r in answers] == [200, 200, 429]
    assert [r.headers["RateLimit-Limit"] for r in answers] == ["2", "2", "2"]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["1", "0", "0"]

    listing = await countersign("keys", "list", "--org", org_name, env=env)
    assert "limit 2/min" in listing.out


async def test_keys_limit_sets_lifts_and_resets(
    env: dict[str, str],
    org_name: str,
    db: asyncpg.Pool,  # noqa: F811
    system: System,
    http: aiohttp.ClientSession,
) -> None:
    created = json.loads((await countersign("keys", "create", "--org", org_name, "--json", env=env)).out)
    assert (await key_row(db, created["keyId"]))["rate_limit_per_minute"] is None

    lifted = await countersign("keys", "limit", created["keyId"], "0", env=env)
    assert lifted.code == 0 and "no limit" in lifted.out
    assert (await key_row(db, created["keyId"]))["rate_limit_per_minute"] == 0
    resp = await get_documents(http, system, created["apiKey"])
    assert resp.status == 200 and "RateLimit-Limit" not in resp.headers
    assert "limit no limit" in (await countersign("keys", "list", "--org", org_name, env=env)).out

    raised = await countersign("keys", "limit", created["keyId"], "5000", env=env)
    assert raised.code == 0 and "5000/min" in raised.out
    assert (await get_documents(http, system, created["apiKey"])).headers["RateLimit-Limit"] == "5000"

    reset = await countersign("keys", "limit", created["keyId"], "default", env=env)
    assert reset.code == 0 and "default" in reset.out
    assert (await key_row(db, created["keyId"]))["rate_limit_per_minute"] is None
    assert (await get_documents(http, system, created["apiKey"])).headers["RateLimit-Limit"] == str(
        system.settings.api_rate_limit_per_minute
    )


async def test_bad_limits_are_refused_and_change_nothing(
    env: dict[str, str],
    org_name: str,  # noqa: F811
    db: asyncpg.Pool,
) -> None:
    created = json.loads(
        (await countersign("keys", "create", "--org", org_name, "--rate-limit", "7", "--json", env=env)).out
    )
    wp = json.loads((await countersign("keys", "create", "--org", org_name, "--wpsigner", "--json", env=env)).out)
    before = await db.fetchval("SELECT count(*) FROM gateway.api_keys")

    # Each refusal is a process of its own, independent of the others: run them side by side
    # (ten CLI start-ups one after another were 23 s of a loaded run).
    values = ("-1", "ten", "1.5", "2000000")
    *refusals, unknown, on_wp, mixed, negative = await asyncio.gather(
        *(countersign("keys", "limit", created["keyId"], value, env=env) for value in values),
        countersign("keys", "limit", "key_doesnotexist", "5", env=env),
        countersign("keys", "limit", wp["keyId"], "5", env=env),
        countersign("keys", "create", "--org", org_name, "--wpsigner", "--rate-limit", "5", env=env),
        countersign("keys", "create", "--org", org_name, "--rate-limit", "-3", env=env),
    )
    for refused in refusals:
        assert refused.code == 2 and "Traceback" not in refused.err, refused.err
        assert "requests per minute" in refused.err or "between 0" in refused.err, refused.err
    assert (await key_row(db, created["keyId"]))["rate_limit_per_minute"] == 7

    assert unknown.code == 1 and "no key key_doesnotexist" in unknown.err

    assert on_wp.code == 2 and "WPSIGNER_RATE_LIMIT_PER_HOUR" in on_wp.err
    assert (await key_row(db, wp["keyId"]))["rate_limit_per_minute"] is None

    assert mixed.code == 2 and "--rate-limit applies to inSigner keys" in mixed.err
    assert negative.code == 2 and "between 0" in negative.err
    assert await db.fetchval("SELECT count(*) FROM gateway.api_keys") == before
