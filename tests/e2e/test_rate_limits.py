"""The inSigner API's rate limits, as its reference's rate-limits page states them, through two
gateway replicas that share one budget (PostgreSQL):

- 120 requests per minute per key (the real default), RateLimit-* on every answer, 429
  problem+json with Retry-After past it, and nothing forwarded when refused;
- failed authentication per client IP (bad keys, unknown signing tokens): refused before the
  lookup once spent, right keys included;
- webhook creations per user per hour, counting only successful ones.

Windows are aligned to the clock: a sequence that straddles a window boundary is run again.
"""

from __future__ import annotations

import itertools
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.gateway import credentials
from services.gateway.app import create_app
from shared.settings import Settings
from tests.conftest import Api
from tests.harness import RunningService, System, serve
from tests.spec_check import Conformance

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
W = "/api/v1/webhooks"
DEFAULT_LIMIT = Settings.model_fields["api_rate_limit_per_minute"].default
FAILURE_LIMIT = 3
WEBHOOK_LIMIT = 2
REFERENCE_429 = {
    "type": "https://docs.insigner.com/errors/rate-limited",
    "title": "Too Many Requests",
    "status": 429,
    "detail": "Rate limit exceeded. Please retry after the reset period.",
}
_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
async def loopback_failures_forgotten(db: asyncpg.Pool) -> None:
    """The rest of the suite fails logins from 127.0.0.1 too (on purpose, under raised limits) and
    the replicas read the same buckets: each test here starts with none from the loopback."""
    await db.execute("DELETE FROM gateway.rate_limits WHERE bucket LIKE '%:127.0.0.1'")


async def start_gateway(system: System, **settings: Any) -> RunningService:
    """Another gateway replica: same code, database and internal services, its own settings."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return await serve("gateway-replica", create_app(system.settings.model_copy(update=settings)), sock)


@pytest.fixture
async def replicas(system: System) -> AsyncIterator[tuple[str, str]]:
    # The real per-key default; small failure and webhook budgets; X-Forwarded-For trusted from
    # the test process, so each test has client addresses of its own.
    settings = {
        "api_rate_limit_per_minute": DEFAULT_LIMIT,
        "auth_failure_limit_per_minute": FAILURE_LIMIT,
        "webhook_create_limit_per_hour": WEBHOOK_LIMIT,
        "trusted_proxies": ["127.0.0.1/32"],
        "db_pool_max": 2,
    }  # PostgreSQL's connections are shared with the rest of the suite
    first, second = await start_gateway(system, **settings), await start_gateway(system, **settings)
    yield first.url, second.url
    await first.runner.cleanup()
    await second.runner.cleanup()


def new_address() -> str:
    return f"198.51.100.{(int(time.time()) + next(_addresses)) % 250 + 1}"


class KeyApi(Api):
    """An Api that knows its key's id and, if given, the client address a trusted proxy reports
    for it (a request's own headers win over that address)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        key: str,
        org_id: str,
        key_id: str,
        address: str | None = None,
    ) -> None:
        super().__init__(session, base_url, key, org_id)
        self.key_id = key_id
        self.address = address

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        forwarded = {"X-Forwarded-For": self.address} if self.address else {}
        return super().headers(forwarded | (extra or {}))


async def new_key(
    db: asyncpg.Pool,
    http: aiohttp.ClientSession,
    base_url: str,
    *,
    org: str | None = None,
    rate_limit: int | None = None,
    address: str | None = None,
) -> KeyApi:
    async with db.acquire() as conn:
        created = await credentials.create_insigner_key(
            conn, org or f"Limits {secrets.token_hex(6)}", ["*"], "k", rate_limit_per_minute=rate_limit
        )
    return KeyApi(http, base_url, created.api_key, created.org_id, created.key_id, address)


async def within_one_window(seconds: int, sequence: Callable[[], Awaitable[None]]) -> None:
    """Run `sequence`; once more if it straddled a window boundary (its counts restarted)."""
    for _ in range(2):
        window = int(time.time()) // seconds
        try:
            await sequence()
            return
        except AssertionError:
            if int(time.time()) // seconds == window:
                raise
    raise AssertionError("the sequence straddled a window boundary twice")


async def document_count(db: asyncpg.Pool, org_id: str | None) -> int:
    assert org_id, "an anonymous client owns no documents"  # else the count would be 0 whatever happened
    return await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", org_id)


def limit_headers(resp: aiohttp.ClientResponse) -> tuple[int, int, int]:
    return (
        int(resp.headers["RateLimit-Limit"]),
        int(resp.headers["RateLimit-Remaining"]),
        int(resp.headers["RateLimit-Reset"]),
    )


async def test_a_key_has_120_requests_a_minute_shared_by_replicas(
    replicas: tuple[str, str], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    first, second = replicas
    assert DEFAULT_LIMIT == 120

    async def sequence() -> None:
        on_first = await new_key(db, http, first)
        on_second = Api(http, second, on_first.key, on_first.org_id)
        for n in range(DEFAULT_LIMIT):
            status, body, resp = await (on_first if n % 2 == 0 else on_second).request("GET", D)
            assert status == 200, body
            limit, remaining, reset = limit_headers(resp)
            assert (limit, remaining) == (DEFAULT_LIMIT, DEFAULT_LIMIT - n - 1)
            assert 1 <= reset <= 60
        # The 121st, on either replica: the reference's 429, and the document is not created.
        for client in (on_first, on_second):
            status, body, resp = await client.request("POST", D, json={"name": "Over the limit"})
            assert status == 429
            assert resp.headers["Content-Type"].startswith("application/problem+json")
            assert body == REFERENCE_429
            assert 1 <= int(resp.headers["Retry-After"]) <= 60
            assert limit_headers(resp)[:2] == (DEFAULT_LIMIT, 0)
        assert await document_count(db, on_first.org_id) == 0
        # Another key has a budget of its own.
        other = await new_key(db, http, second)
        status, _, resp = await other.request("GET", D)
        assert status == 200 and limit_headers(resp)[:2] == (DEFAULT_LIMIT, DEFAULT_LIMIT - 1)

    await within_one_window(60, sequence)


async def test_every_answer_to_a_key_carries_the_headers(
    system: System, db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    from tests import pdf_corpus as corpus
    from tests.file_uploads import new_draft, upload

    async def sequence() -> None:
        api = await new_key(db, http, system.gateway_url, rate_limit=50)  # the key's own limit
        doc_id = await new_draft(api, "Headers everywhere")
        await upload(api, http, doc_id, corpus.three_page_a4())
        seen: list[int] = []
        for method, path, body, expected in (
            ("GET", D, None, 200),
            ("GET", f"{D}/{doc_id}/download", None, 200),  # a streamed PDF
            ("GET", f"{D}/doc_{secrets.token_hex(8)}", None, 404),
            ("POST", D, {"name": ""}, 422),
            ("POST", f"{D}/{doc_id}/send", None, 400),
        ):
            status, answer, resp = await api.request(method, path, json=body)
            assert status == expected or (expected == 400 and 400 <= status < 500), (path, status, answer)
            if path.endswith("/download"):
                assert resp.headers["Content-Type"] == "application/pdf"
            limit, remaining, reset = limit_headers(resp)
            assert limit == 50 and 1 <= reset <= 60
            seen.append(remaining)
        assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)

    await within_one_window(60, sequence)


async def test_operators_set_or_lift_a_keys_limit(
    system: System, db: asyncpg.Pool, http: aiohttp.ClientSession, conformance: Conformance
) -> None:
    async def sequence() -> None:
        tight = await new_key(db, http, system.gateway_url, rate_limit=2)
        for remaining in (1, 0):
            status, _, resp = await tight.request("GET", D)
            assert status == 200 and limit_headers(resp)[:2] == (2, remaining)
        status, body, resp = await tight.request("POST", D, json={"name": "refused"})
        assert status == 429 and body["type"].endswith("/rate-limited")
        conformance.check("POST", D, status, body, resp)  # the spec documents the 429
        assert await document_count(db, tight.org_id) == 0
        # Lifted (`countersign keys limit KEY 0`): no budget, no headers, from the next request on.
        async with db.acquire() as conn:
            assert await credentials.set_rate_limit(conn, tight.key_id, 0) == "insigner"
        for _ in range(5):
            status, _, resp = await tight.request("POST", D, json={"name": "unlimited"})
            assert status == 201 and "RateLimit-Limit" not in resp.headers
        assert await document_count(db, tight.org_id) == 5

    await within_one_window(60, sequence)


async def test_failed_authentication_is_limited_per_address_before_the_lookup(
    replicas: tuple[str, str], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    first, second = replicas

    async def sequence() -> None:
        address = new_address()
        honest = await new_key(db, http, first, address=address)
        revoked = await new_key(db, http, first, address=address)
        async with db.acquire() as conn:
            await credentials.revoke_key(conn, revoked.key_id)
        headers = {"X-Forwarded-For": address}
        for authorization in ("Bearer isk_" + secrets.token_urlsafe(33), f"Bearer {revoked.key}", "Bearer not-a-key"):
            async with http.get(first + D, headers=headers | {"Authorization": authorization}) as resp:
                assert resp.status == 401, await resp.text()
        # Spent: the right key from that address is refused too, on either replica, before the
        # lookup — nothing is forwarded and nothing is counted against the key.
        for base in (first, second):
            async with http.post(
                base + D, json={"name": "x"}, headers=headers | {"Authorization": f"Bearer {honest.key}"}
            ) as resp:
                body = await resp.json(content_type=None)
                assert resp.status == 429, body
                assert resp.headers["Content-Type"].startswith("application/problem+json")
                assert body["type"].endswith("/rate-limited") and body["title"] == "Too Many Requests"
                assert 1 <= int(resp.headers["Retry-After"]) <= 60
                assert "RateLimit-Limit" not in resp.headers
        assert await document_count(db, honest.org_id) == 0
        assert (
            await db.fetchval("SELECT count(*) FROM gateway.rate_limits WHERE bucket = $1", f"api-key:{honest.key_id}")
            == 0
        )
        # The signer routes share the address's budget.
        for path in (f"/api/v1/signing/{secrets.token_urlsafe(32)}", f"/sign/{secrets.token_urlsafe(32)}"):
            async with http.get(first + path, headers=headers) as resp:
                assert resp.status == 429
        # Another address is not held back.
        status, _, _ = await Api(http, second, honest.key, honest.org_id).request(
            "POST", D, json={"name": "x"}, headers={"X-Forwarded-For": new_address()}
        )
        assert status == 201

    await within_one_window(60, sequence)


async def test_a_missing_key_is_not_counted_as_a_guess(replicas: tuple[str, str], http: aiohttp.ClientSession) -> None:
    first, _ = replicas
    headers = {"X-Forwarded-For": new_address()}
    for _ in range(FAILURE_LIMIT + 2):
        async with http.get(first + D, headers=headers) as resp:
            assert resp.status == 401
            assert (await resp.json(content_type=None))["detail"].startswith("Missing API key")


async def test_unknown_signing_tokens_are_limited_per_address(
    replicas: tuple[str, str], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    first, second = replicas

    async def sequence() -> None:
        address = new_address()
        headers = {"X-Forwarded-For": address}
        for n in range(FAILURE_LIMIT):
            async with http.get(
                (first, second)[n % 2] + f"/api/v1/signing/{secrets.token_urlsafe(32)}", headers=headers
            ) as resp:
                assert resp.status == 404
        assert (
            await db.fetchval(
                "SELECT hits FROM gateway.rate_limits WHERE bucket = $1 ORDER BY window_start DESC LIMIT 1",
                f"auth-failures:{address}",
            )
            == FAILURE_LIMIT
        )
        for path in (f"/api/v1/signing/{secrets.token_urlsafe(32)}/otp", f"/sign/{secrets.token_urlsafe(32)}"):
            async with http.request("POST" if path.endswith("/otp") else "GET", second + path, headers=headers) as resp:
                assert resp.status == 429
                assert resp.headers["Content-Type"].startswith("application/problem+json")
        # The refusals are answered before the lookup and count nothing more.
        assert (
            await db.fetchval(
                "SELECT hits FROM gateway.rate_limits WHERE bucket = $1 ORDER BY window_start DESC LIMIT 1",
                f"auth-failures:{address}",
            )
            == FAILURE_LIMIT
        )
        # An API key from that address is refused too: one budget for every credential.
        key = await new_key(db, http, first, address=address)
        assert (await key.request("GET", D))[0] == 429

    await within_one_window(60, sequence)


async def test_webhook_creations_are_limited_per_user_per_hour(
    replicas: tuple[str, str], db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    first, second = replicas
    hook = {"url": "https://93.184.215.14/countersign", "events": ["document.completed"]}

    async def webhooks(api: Api) -> int:
        status, body, _ = await api.request("GET", W)
        assert status == 200, body
        return len(body["data"])

    async def sequence() -> None:
        api = await new_key(db, http, first)
        # A refused creation (validation) is not a creation: it does not count.
        status, body, _ = await api.request(
            "POST", W, json={"url": "ftp://example.com/x", "events": ["document.completed"]}
        )
        assert status == 422, body
        for _ in range(WEBHOOK_LIMIT):
            status, body, _ = await api.request("POST", W, json=hook)
            assert status == 201, body
        status, body, resp = await api.request("POST", W, json=hook)
        assert status == 429 and body["type"].endswith("/rate-limited") and body["title"] == "Too Many Requests"
        assert 1 <= int(resp.headers["Retry-After"]) <= 3600
        assert await webhooks(api) == WEBHOOK_LIMIT
        # Per user: another key of the same member (the organisation's admin) shares the budget,
        # on the other replica too; another organisation's user has their own.
        same_user = await new_key(
            db, http, second, org=await db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", api.org_id)
        )
        assert (await same_user.request("POST", W, json=hook))[0] == 429
        assert await webhooks(api) == WEBHOOK_LIMIT
        assert (await (await new_key(db, http, second)).request("POST", W, json=hook))[0] == 201

    await within_one_window(3600, sequence)
