"""The internal endpoints behind the WPsigner surface, against real PostgreSQL and the running
services: the rate-limit counter under concurrency, and the documents and audit services'
/internal/wpsigner endpoints as the gateway calls them (internal secret + identity headers)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.gateway.ratelimit import HOUR, hit
from shared.callers import caller_headers
from shared.context import RequestContext
from tests.conftest import Api
from tests.harness import System

P = "/internal/wpsigner/documents"


async def test_concurrent_hits_are_counted_exactly_once_each(db: asyncpg.Pool) -> None:
    bucket = f"key:test-{id(object())}"

    async def one() -> int:
        async with db.acquire() as conn:
            return (await hit(conn, bucket, HOUR, 10)).hits

    counts = await asyncio.gather(*(one() for _ in range(25)))
    windows = await db.fetchval("SELECT count(*) FROM gateway.rate_limits WHERE bucket = $1", bucket)
    # Either all in one window (1..25, each once), or split by an hour boundary into two runs.
    if windows == 1:
        assert sorted(counts) == list(range(1, 26))
    else:
        assert len(counts) == 25 and max(counts) < 25


async def test_past_windows_are_cleared_by_the_next_window(db: asyncpg.Pool) -> None:
    bucket = f"ip:test-{id(object())}"
    await db.execute(
        "INSERT INTO gateway.rate_limits (bucket, window_start, hits) VALUES ($1, now() - interval '3 hours', 7)",
        bucket,
    )
    async with db.acquire() as conn:
        window = await hit(conn, bucket, HOUR, 10)
    assert window.hits == 1 and window.remaining == 9
    assert await db.fetchval("SELECT count(*) FROM gateway.rate_limits WHERE bucket = $1", bucket) == 1


class Internal:
    def __init__(self, system: System, http: aiohttp.ClientSession, org_id: str, actor: str = "key_test") -> None:
        self.system, self.http = system, http
        self.headers = RequestContext(org_id, "api_key", actor, "10.0.0.1", "internal-test").identity_headers()
        self.headers |= caller_headers(system.settings.require_internal_secret(), "gateway")

    async def get(self, service: str, path: str, params: Any = None) -> tuple[int, Any]:
        async with self.http.get(self.system.services[service].url + path, headers=self.headers, params=params) as resp:
            return resp.status, await resp.json()


@pytest.fixture
async def org_api(make_api) -> Api:  # type: ignore[no-untyped-def]
    return await make_api()


async def new_document(api: Api, name: str) -> str:
    status, body, _ = await api.request("POST", "/api/v1/documents", json={"name": name})
    assert status == 201, body
    return body["data"]["id"]


async def test_list_filters_by_status_viewed_title_and_creator(
    org_api: Api, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool
) -> None:
    ids = [await new_document(org_api, name) for name in ("Alpha 50%_off", "Beta", "Gamma")]
    assert org_api.org_id is not None
    internal = Internal(system, http, org_api.org_id)
    status, page = await internal.get("documents", P, [("perPage", "2"), ("page", "1")])
    assert status == 200 and page["total"] == 3 and [d["id"] for d in page["data"]] == [ids[2], ids[1]]
    assert set(page["data"][0]) >= {"number", "status", "anyViewed", "createdBy", "pageCount", "fileName"}
    _, second = await internal.get("documents", P, [("perPage", "2"), ("page", "2")])
    assert [d["id"] for d in second["data"]] == [ids[0]]
    _, found = await internal.get("documents", P, {"search": "50%_"})
    assert [d["name"] for d in found["data"]] == ["Alpha 50%_off"]  # LIKE wildcards are literal
    _, none = await internal.get("documents", P, {"search": "B_t"})  # as a pattern, it would match Beta
    assert none["total"] == 0
    creator = page["data"][0]["createdBy"]
    _, mine = await internal.get("documents", P, [("creator", creator)])
    assert mine["total"] == 3
    _, nobodys = await internal.get("documents", P, [("creator", "key_someone_else")])
    assert nobodys["total"] == 0
    await db.execute("UPDATE documents.documents SET status = 'pending' WHERE id = ANY($1::text[])", ids[:2])
    await db.execute("UPDATE documents.signers SET viewed_at = now() WHERE document_id = $1", ids[0])
    await db.execute(
        "INSERT INTO documents.signers (id, document_id, email, name, viewed_at) VALUES ($1, $2, $3, $4, now())",
        f"sr_t{id(db)}",
        ids[0],
        "v@example.com",
        "Viewer",
    )
    _, viewed = await internal.get(
        "documents", P, [("status", "pending"), ("status", "action_required"), ("viewed", "true")]
    )
    assert [d["id"] for d in viewed["data"]] == [ids[0]] and viewed["data"][0]["anyViewed"] is True
    _, sent = await internal.get("documents", P, [("status", "pending"), ("viewed", "false")])
    assert [d["id"] for d in sent["data"]] == [ids[1]]
    bad, problem = await internal.get("documents", P, {"perPage": "101"})
    assert bad == 400 and problem["status"] == 400


async def test_references_are_scoped_to_the_organisation(
    make_api,
    system: System,  # type: ignore[no-untyped-def]
    http: aiohttp.ClientSession,
    db: asyncpg.Pool,
) -> None:
    mine, theirs = await make_api(), await make_api()
    document_id = await new_document(mine, "Mine")
    number = await db.fetchval("SELECT number FROM documents.documents WHERE id = $1", document_id)
    own = Internal(system, http, mine.org_id)
    status, ref = await own.get("documents", f"{P}/{number}/ref")
    assert status == 200 and ref["data"]["id"] == document_id and ref["data"]["number"] == number
    status, by_id = await own.get("documents", f"{P}/{document_id}")
    assert status == 200 and by_id["data"]["number"] == number and by_id["data"]["signers"] == []
    other = Internal(system, http, theirs.org_id)
    for path in (f"{P}/{number}/ref", f"{P}/{number}", f"{P}/{document_id}", f"{P}/{document_id}/file-url"):
        status, body = await other.get("documents", path)
        assert status == 404, (path, body)
    status, _ = await own.get("documents", f"{P}/{'9' * 30}")
    assert status == 404
    # No file yet: the file URL is a conflict, as the core's download is.
    status, body = await own.get("documents", f"{P}/{document_id}/file-url")
    assert status == 409 and "file" in body["detail"].lower()


async def test_audit_events_carry_the_actor_and_stay_in_their_organisation(
    org_api: Api, make_api, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool
) -> None:  # type: ignore[no-untyped-def]
    document_id = await new_document(org_api, "Audited")
    for _ in range(200):
        if await db.fetchval("SELECT count(*) FROM audit.entries WHERE document_id = $1", document_id):
            break
        await asyncio.sleep(0.05)
    assert org_api.org_id is not None
    status, body = await Internal(system, http, org_api.org_id).get("audit", f"{P}/{document_id}/events")
    assert status == 200 and [e["action"] for e in body["data"]] == ["document.created"]
    assert body["data"][0]["actorType"] == "api_key" and body["data"][0]["actorId"].startswith("key_")
    other = await make_api()
    _, elsewhere = await Internal(system, http, other.org_id).get("audit", f"{P}/{document_id}/events")
    assert elsewhere["data"] == []
