"""The documents use cases against real PostgreSQL: keyset paging, races, conditional changes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.documents.api.errors import to_problem
from services.documents.commands import service, signer_service
from services.documents.db import repository as repo
from services.documents.domain.errors import DomainError
from services.documents.domain.statemachine import Action, allowed_from
from shared.context import RequestContext
from shared.contracts.document_requests import DocumentCreate, DocumentListQuery, DocumentUpdate, SignerCreate
from shared.db import create_pool
from shared.pagination import PageRequest, decode_cursor
from shared.settings import Settings


@pytest.fixture
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(prepared, min_size=1, max_size=8)
    yield pool
    await pool.close()


@pytest.fixture
def ctx() -> RequestContext:
    return RequestContext(
        org_id=f"org_{secrets.token_hex(6)}",
        actor_type="api_key",
        actor_id="key_it",
        ip="203.0.113.7",
        user_agent="pytest",
    )


async def events_of(pool: asyncpg.Pool, document_id: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT event_type FROM documents.outbox WHERE body->>'documentId' = $1 ORDER BY seq", document_id
    )
    return [r["event_type"] for r in rows]


async def wait_until_blocked(pool: asyncpg.Pool, timeout: float = 10.0) -> None:
    """Until some session of this database waits for a row lock."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        waiting = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no session started waiting for the lock")


async def new_document(pool: asyncpg.Pool, ctx: RequestContext, name: str = "Doc") -> str:
    assert ctx.org_id
    return (await service.create_document(pool, ctx.org_id, ctx, DocumentCreate(name=name).model_dump()))["id"]


async def test_keyset_pages_break_created_at_ties_by_id(pool: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    same_instant = datetime(2026, 5, 28, 12, tzinfo=UTC)
    ids = [f"ctie{secrets.token_hex(8)}" for _ in range(9)]
    await pool.executemany(
        "INSERT INTO documents.documents (id, org_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        [(i, ctx.org_id, f"Tie {n}", same_instant) for n, i in enumerate(ids)],
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = PageRequest(limit=2, cursor=decode_cursor(cursor) if cursor else None)
        query = DocumentListQuery()
        result = await service.list_documents(pool, ctx.org_id, status=query.status, search=query.search, page=page)
        seen += [d["id"] for d in result.rows]
        if not result.meta["hasMore"]:
            break
        cursor = result.meta["nextCursor"]
    assert seen == sorted(ids, reverse=True)


async def test_concurrent_deletes_have_one_winner(pool: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    doc_id = await new_document(pool, ctx)
    results = await asyncio.gather(
        *(service.delete_document(pool, ctx.org_id, ctx, doc_id) for _ in range(6)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert sorted(to_problem(r).status for r in results if isinstance(r, DomainError)) == [404] * 5
    assert await events_of(pool, doc_id) == ["document.created", "document.deleted"]


async def test_an_edit_waiting_on_a_send_loses_with_409(pool: asyncpg.Pool, db: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    doc_id = await new_document(pool, ctx, "Racing")
    async with db.acquire() as sender:
        tx = sender.transaction()
        await tx.start()
        # What `send` will do: a conditional UPDATE that takes the row lock.
        assert await sender.fetchval(
            "UPDATE documents.documents SET status = 'pending' WHERE id = $1 AND status = 'draft' RETURNING id", doc_id
        )
        edit = asyncio.create_task(
            service.update_document(pool, ctx.org_id, ctx, doc_id, DocumentUpdate(name="Late").given())
        )
        add = asyncio.create_task(
            signer_service.add_signer(
                pool, ctx.org_id, ctx, doc_id, SignerCreate(email="late@example.com", name="Late").model_dump()
            )
        )
        await wait_until_blocked(pool)
        await tx.commit()
    for task in (edit, add):
        with pytest.raises(DomainError) as err:
            await task
        problem = to_problem(err.value)
        assert problem.status == 409 and "pending" in problem.detail
    assert await pool.fetchval("SELECT name FROM documents.documents WHERE id = $1", doc_id) == "Racing"
    assert await pool.fetchval("SELECT count(*) FROM documents.signers WHERE document_id = $1", doc_id) == 0
    assert await events_of(pool, doc_id) == ["document.created"]


async def test_a_signer_add_waiting_on_a_delete_gets_404(pool: asyncpg.Pool, db: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    doc_id = await new_document(pool, ctx)
    async with db.acquire() as deleter:
        tx = deleter.transaction()
        await tx.start()
        assert await repo.soft_delete(deleter, ctx.org_id, doc_id, allowed_from(Action.DELETE))
        add = asyncio.create_task(
            signer_service.add_signer(
                pool, ctx.org_id, ctx, doc_id, SignerCreate(email="a@example.com", name="A").model_dump()
            )
        )
        await wait_until_blocked(pool)
        await tx.commit()
    with pytest.raises(DomainError) as err:
        await add
    assert to_problem(err.value).status == 404
    assert await pool.fetchval("SELECT count(*) FROM documents.signers WHERE document_id = $1", doc_id) == 0


async def test_conditional_update_matches_no_row_outside_allowed_statuses(pool: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    doc_id = await new_document(pool, ctx, "Guarded")
    await pool.execute("UPDATE documents.documents SET status = 'completed' WHERE id = $1", doc_id)
    async with pool.acquire() as conn:
        assert await repo.update_document(conn, ctx.org_id, doc_id, allowed_from(Action.EDIT), {"name": "X"}) is None
        assert await repo.update_document(conn, "org_other", doc_id, ["completed"], {"name": "X"}) is None
        updated = await repo.update_document(conn, ctx.org_id, doc_id, ["completed"], {"name": "Y"})
        assert updated is not None and updated["name"] == "Y"
        problem = to_problem(await service.refused(conn, ctx.org_id, doc_id, Action.EDIT))
        assert problem.status == 409
        assert to_problem(await service.refused(conn, "org_other", doc_id, Action.EDIT)).status == 404


async def test_org_stats_count_live_documents_of_one_organisation(pool: asyncpg.Pool, ctx: RequestContext):
    assert ctx.org_id
    other = RequestContext(
        org_id=f"org_{secrets.token_hex(6)}", actor_type="api_key", actor_id=None, ip=None, user_agent=None
    )
    ids = [await new_document(pool, ctx, f"D{i}") for i in range(4)]
    await new_document(pool, other)
    await service.delete_document(pool, ctx.org_id, ctx, ids[0])
    assert await service.count_documents(pool, ctx.org_id) == (3, 0, 0)
    found = await service.internal_document(pool, ctx.org_id, ids[1])
    assert (found["id"], found["name"], found["status"]) == (ids[1], "D1", "draft")
    for org_id, doc_id in ((ctx.org_id, ids[0]), (other.org_id, ids[1])):
        with pytest.raises(DomainError) as err:
            await service.internal_document(pool, org_id or "", doc_id)
        assert to_problem(err.value).status == 404
