"""Rate limits as WPsigner documents them (per credential per hour; per client IP per minute for
requests without valid credentials), with a small configured limit, counted in PostgreSQL so
that two gateway replicas share one count.

Windows are aligned to the clock (an hour, a minute): a sequence that happens to straddle a
window boundary is retried once, recognised by X-RateLimit-Reset changing under it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from tests.e2e.test_wpsigner_api import (  # noqa: F401
    WpClient,
    WpGateway,
    assert_wp_error,
    make_wp,
    start_wp_gateway,
)
from tests.harness import System

pytestmark = pytest.mark.e2e

LIMIT = 5
IP_LIMIT = 3


@pytest.fixture(autouse=True)
async def loopback_failures_forgotten(db: asyncpg.Pool) -> None:
    """The rest of the suite fails logins from 127.0.0.1 too (on purpose, under raised limits) and
    the replicas read the same buckets: each test here starts with none from the loopback."""
    await db.execute("DELETE FROM gateway.rate_limits WHERE bucket LIKE '%:127.0.0.1'")


@pytest.fixture
async def replicas(system: System, tmp_path: Path) -> AsyncIterator[tuple[WpGateway, WpGateway]]:
    settings = {
        "wpsigner_rate_limit_per_hour": LIMIT,
        "wpsigner_ip_rate_limit_per_minute": IP_LIMIT,
        "trusted_proxies": ["127.0.0.1/32"],
    }
    first = await start_wp_gateway(system, tmp_path, **settings)
    second = await start_wp_gateway(system, tmp_path, **settings)
    yield first, second
    await first.service.runner.cleanup()
    await second.service.runner.cleanup()


async def within_one_window(sequence: Callable[[], Awaitable[set[str]]]) -> None:
    """Run `sequence` (which returns the X-RateLimit-Reset values it saw); again if it straddled
    two windows."""
    for _ in range(2):
        if len(await sequence()) <= 1:
            return
    raise AssertionError("the sequence straddled a window boundary twice")


async def test_the_hourly_limit_is_shared_by_replicas(
    make_wp,
    replicas: tuple[WpGateway, WpGateway],  # type: ignore[no-untyped-def]
    db: asyncpg.Pool,
) -> None:
    first, second = replicas

    async def sequence() -> set[str]:
        wp = await make_wp(base_url=first.url)
        on_second = WpClient(wp.http, second.url, wp.key, wp.secret, wp.org_id, wp.org_name, wp.key_id)
        resets: set[str] = set()
        for n in range(LIMIT):
            reply = await (wp if n % 2 == 0 else on_second).request("GET", "/documents")
            assert reply.status == 200, reply.body
            assert reply.headers["X-RateLimit-Limit"] == str(LIMIT)
            assert reply.headers["X-RateLimit-Remaining"] == str(LIMIT - n - 1)
            resets.add(reply.headers["X-RateLimit-Reset"])
        for client in (wp, on_second):
            refused = await client.request("GET", "/documents")
            assert_wp_error(refused, 429, "rest_rate_limit_exceeded")
            assert refused.headers["X-RateLimit-Remaining"] == "0"
            assert 1 <= int(refused.headers["Retry-After"]) <= 3600
            resets.add(refused.headers["X-RateLimit-Reset"])
        reset = int(next(iter(resets)))
        assert reset % 3600 == 0 and 0 < reset - time.time() <= 3600 + 5
        # Another credential has its own count.
        other = await make_wp(base_url=second.url)
        assert (await other.request("GET", "/documents")).headers["X-RateLimit-Remaining"] == str(LIMIT - 1)
        assert await db.fetchval("SELECT count(*) FROM gateway.rate_limits WHERE bucket = $1", f"key:{wp.key_id}") == 1
        return resets

    await within_one_window(sequence)


async def test_refused_writes_of_a_read_only_key_count_too(make_wp, replicas: tuple[WpGateway, WpGateway]) -> None:  # type: ignore[no-untyped-def]
    first, _ = replicas

    async def sequence() -> set[str]:
        reader = await make_wp(base_url=first.url, read_only=True)
        resets = set()
        for _ in range(LIMIT):
            reply = await reader.request("POST", "/documents", json={"title": "x"})
            assert_wp_error(reply, 403, "rest_forbidden")
            resets.add(reply.headers["X-RateLimit-Reset"])
        assert_wp_error(await reader.request("GET", "/documents"), 429, "rest_rate_limit_exceeded")
        return resets

    await within_one_window(sequence)


async def test_guessing_credentials_is_limited_per_ip(make_wp, replicas: tuple[WpGateway, WpGateway]) -> None:  # type: ignore[no-untyped-def]
    first, second = replicas
    attempt = 0

    async def sequence() -> set[str]:
        nonlocal attempt
        attempt += 1
        # A client address of its own (through a trusted proxy), so no other test shares the count.
        ip = f"198.51.100.{int(time.time()) % 200 + attempt}"
        wp = await make_wp(base_url=first.url)
        guesser = WpClient(
            wp.http, first.url, wp.key, "wrong-secret", wp.org_id, wp.org_name, wp.key_id, extra={"X-Forwarded-For": ip}
        )
        minute = int(time.time()) // 60
        for _ in range(IP_LIMIT):
            assert_wp_error(await guesser.request("GET", "/documents"), 401, "rest_forbidden")
        elsewhere = WpClient(
            wp.http, second.url, wp.key, "wrong-again", wp.org_id, wp.org_name, wp.key_id, extra={"X-Forwarded-For": ip}
        )
        refused = await elsewhere.request("GET", "/documents")
        straddled = int(time.time()) // 60 != minute
        if not straddled:
            assert_wp_error(refused, 429, "rest_rate_limit_exceeded")
            assert int(refused.headers["Retry-After"]) <= 60
            # The address is refused before any lookup: the right credentials get the same 429
            # (otherwise a 200 among the 429s would tell a guesser it had found them), and
            # nothing is counted against the credential.
            honest = WpClient(
                wp.http, first.url, wp.key, wp.secret, wp.org_id, wp.org_name, wp.key_id, extra={"X-Forwarded-For": ip}
            )
            held = await honest.request("GET", "/documents")
            assert_wp_error(held, 429, "rest_rate_limit_exceeded")
            assert "X-RateLimit-Limit" not in held.headers
            # Another address is not held back by the guesses from this one.
            elsewhere_ok = WpClient(
                wp.http,
                first.url,
                wp.key,
                wp.secret,
                wp.org_id,
                wp.org_name,
                wp.key_id,
                extra={"X-Forwarded-For": f"203.0.113.{int(time.time()) % 200 + attempt}"},
            )
            assert (await elsewhere_ok.request("GET", "/documents")).status == 200
        return {"a", "b"} if straddled else {"a"}

    await within_one_window(sequence)
