"""The per-organisation, per-status document counters (migrations/0012) against real
PostgreSQL: exact after creates, soft and permanent deletes, status changes, bulk statements and
concurrent commands; and the WPsigner page/total they serve, page by page against the full list."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable

import asyncpg
import pytest

from services.documents.commands import service
from services.documents.db import repository as repo
from services.documents.db import wp_repository as wp_repo
from services.documents.domain.statemachine import Action, allowed_from
from shared.context import RequestContext
from shared.contracts.document_requests import DocumentCreate
from shared.db import create_pool
from shared.settings import Settings


@pytest.fixture
async def pool(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(prepared, min_size=1, max_size=10)
    yield pool
    await pool.close()


def new_ctx() -> RequestContext:
    return RequestContext(f"org_{secrets.token_hex(6)}", "api_key", "key_counts", "203.0.113.9", "pytest")


async def create(pool: asyncpg.Pool, ctx: RequestContext, name: str = "Counted") -> str:
    assert ctx.org_id
    return (await service.create_document(pool, ctx.org_id, ctx, DocumentCreate(name=name).model_dump()))["id"]


async def counters(pool: asyncpg.Pool, org_id: str) -> dict[str, int]:
    """Folded counts plus the deltas not folded yet, by status."""
    rows = await pool.fetch(
        """SELECT status, sum(n) AS n FROM (
               SELECT status, live AS n FROM documents.document_counts WHERE org_id = $1
               UNION ALL SELECT status, delta FROM documents.document_count_deltas WHERE org_id = $1) AS both_
           GROUP BY status""",
        org_id,
    )
    return {r["status"]: r["n"] for r in rows if r["n"]}


async def actual(pool: asyncpg.Pool, org_id: str) -> dict[str, int]:
    rows = await pool.fetch(
        """SELECT status, count(*) AS n FROM documents.documents
           WHERE org_id = $1 AND deleted_at IS NULL GROUP BY status""",
        org_id,
    )
    return {r["status"]: r["n"] for r in rows}


async def assert_exact(pool: asyncpg.Pool, org_id: str, expected: dict[str, int]) -> None:
    assert await actual(pool, org_id) == expected
    assert await counters(pool, org_id) == expected
    async with pool.acquire() as conn:
        assert await repo.count_live_documents(conn, org_id) == sum(expected.values())
        for status, n in expected.items():
            assert await repo.count_live_documents(conn, org_id, [status]) == n


async def test_counters_follow_creates_deletes_and_status_changes(pool: asyncpg.Pool) -> None:
    ctx, other = new_ctx(), new_ctx()
    assert ctx.org_id and other.org_id
    ids = [await create(pool, ctx) for _ in range(5)]
    await create(pool, other)
    await assert_exact(pool, ctx.org_id, {"draft": 5})

    await service.delete_document(pool, ctx.org_id, ctx, ids[0])  # soft delete
    await pool.execute("UPDATE documents.documents SET status = 'pending' WHERE id = ANY($1)", ids[1:3])
    await pool.execute("UPDATE documents.documents SET status = 'completed' WHERE id = $1", ids[1])
    await assert_exact(pool, ctx.org_id, {"draft": 2, "pending": 1, "completed": 1})

    # An edit that changes neither status nor deletion changes no counter.
    async with pool.acquire() as conn:
        assert await repo.update_document(conn, ctx.org_id, ids[3], allowed_from(Action.EDIT), {"name": "Renamed"})
        await wp_repo.delete_for_good(conn, ids[4])  # WPsigner's permanent delete of a live draft
        await wp_repo.delete_for_good(conn, ids[0])  # and of one already soft-deleted: no second decrement
    await assert_exact(pool, ctx.org_id, {"draft": 1, "pending": 1, "completed": 1})
    await assert_exact(pool, other.org_id, {"draft": 1})


async def test_folding_moves_deltas_into_the_counts_while_documents_change(pool: asyncpg.Pool) -> None:
    ctx = new_ctx()
    assert ctx.org_id
    ids = [await create(pool, ctx) for _ in range(4)]
    assert await pool.fetchval("SELECT count(*) FROM documents.document_count_deltas WHERE org_id = $1", ctx.org_id)

    async def fold() -> None:
        async with pool.acquire() as conn:
            await repo.fold_document_counts(conn)

    work: list[Awaitable[object]] = [fold() for _ in range(3)]
    work += [create(pool, ctx) for _ in range(6)]
    work += [service.delete_document(pool, ctx.org_id, ctx, doc_id) for doc_id in ids[:2]]
    await asyncio.gather(*work)
    await assert_exact(pool, ctx.org_id, {"draft": 8})

    await fold()
    assert not await pool.fetchval("SELECT count(*) FROM documents.document_count_deltas WHERE org_id = $1", ctx.org_id)
    assert (
        await pool.fetchval(
            "SELECT live FROM documents.document_counts WHERE org_id = $1 AND status = 'draft'", ctx.org_id
        )
        == 8
    )
    await assert_exact(pool, ctx.org_id, {"draft": 8})


async def test_a_transaction_that_rolls_back_leaves_the_counters_alone(pool: asyncpg.Pool) -> None:
    ctx = new_ctx()
    assert ctx.org_id
    doc_id = await create(pool, ctx)
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await conn.execute("UPDATE documents.documents SET status = 'cancelled' WHERE id = $1", doc_id)
                raise RuntimeError("abandon")
    await assert_exact(pool, ctx.org_id, {"draft": 1})


async def test_counters_stay_exact_under_concurrent_commands(pool: asyncpg.Pool) -> None:
    ctx, other = new_ctx(), new_ctx()
    assert ctx.org_id and other.org_id
    first = [await create(pool, ctx) for _ in range(12)]

    async def status_change(doc_id: str, status: str) -> None:
        await pool.execute("UPDATE documents.documents SET status = $2 WHERE id = $1", doc_id, status)

    work: list[Awaitable[object]] = []
    work += [create(pool, ctx) for _ in range(15)] + [create(pool, other) for _ in range(5)]
    work += [service.delete_document(pool, ctx.org_id, ctx, doc_id) for doc_id in first[:4]]
    # The same document deleted twice at once: one wins, the other is refused and counts nothing.
    work += [service.delete_document(pool, ctx.org_id, ctx, first[4]) for _ in range(2)]
    work += [status_change(doc_id, "pending") for doc_id in first[5:9]]
    work += [status_change(doc_id, "expired") for doc_id in first[9:]]
    results = await asyncio.gather(*work, return_exceptions=True)
    assert sum(isinstance(r, Exception) for r in results) == 1

    await assert_exact(pool, ctx.org_id, {"draft": 15, "pending": 4, "expired": 3})
    await assert_exact(pool, other.org_id, {"draft": 5})


async def test_one_statement_over_many_documents_is_counted_once_per_row(pool: asyncpg.Pool) -> None:
    ctx = new_ctx()
    assert ctx.org_id
    ids = [await create(pool, ctx) for _ in range(6)]
    # What a sweep does: many documents change status in one UPDATE.
    await pool.execute("UPDATE documents.documents SET status = 'pending' WHERE id = ANY($1)", ids)
    await pool.execute("UPDATE documents.documents SET status = 'expired' WHERE id = ANY($1)", ids[:4])
    await pool.execute("UPDATE documents.documents SET deleted_at = now() WHERE id = ANY($1)", ids[:2])
    await assert_exact(pool, ctx.org_id, {"pending": 2, "expired": 2})


async def test_wpsigner_pages_from_either_end_match_the_full_list(pool: asyncpg.Pool) -> None:
    ctx = new_ctx()
    assert ctx.org_id
    ids = [await create(pool, ctx, f"Paged {n}") for n in range(7)]
    await pool.execute("UPDATE documents.documents SET status = 'completed' WHERE id = ANY($1)", ids[::2])
    newest_first = list(reversed(ids))

    async def page(statuses: list[str], per_page: int, number: int) -> tuple[list[str], int]:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows, total = await wp_repo.list_page(
                conn,
                ctx.org_id or "",
                statuses=statuses,
                viewed=None,
                name_pattern=None,
                creators=None,
                limit=per_page,
                offset=(number - 1) * per_page,
            )
        return [r["id"] for r in rows], total

    for statuses, expected in (([], newest_first), (["completed"], [i for i in newest_first if i in ids[::2]])):
        for per_page in (1, 2, 3, 5, 10):
            seen: list[str] = []
            for number in range(1, len(expected) // per_page + 3):
                rows, total = await page(statuses, per_page, number)
                assert total == len(expected)
                assert rows == expected[(number - 1) * per_page : number * per_page]
                seen += rows
            assert seen == expected
