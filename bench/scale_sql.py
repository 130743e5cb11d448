"""The scale family's queries without HTTP: the documents service's own list commands
(commands/service.list_documents, commands/wp_internal.list_page) called in a loop on one
connection, timed around each call. What this shows is the database's share of a request at
1 M documents; the wrk rows of bench/scale.py add the service's HTTP and the gateway hop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg

from bench import scale
from services.documents.commands import service, wp_internal
from shared.contracts.document_requests import DocumentListQuery
from shared.db import create_pool
from shared.pagination import PageRequest
from shared.settings import Settings

Call = Callable[[asyncpg.Pool], Awaitable[object]]


def _calls(seeded: scale.Seeded) -> list[tuple[str, Call]]:
    org_id = seeded.org_id
    calls: list[tuple[str, Call]] = []
    for label, query in scale.insigner_queries(seeded.documents):
        text = {key: str(value) for key, value in query.items()}
        page, flt = PageRequest.from_query(text), DocumentListQuery.model_validate(text)

        async def list_call(pool: asyncpg.Pool, page: PageRequest = page, flt: DocumentListQuery = flt) -> object:
            return await service.list_documents(pool, org_id, status=flt.status, search=flt.search, page=page)

        calls.append((label, list_call))
    for label, query in scale.wp_queries(seeded.documents):
        per_page, number = int(query["per_page"]), int(query["page"])
        statuses = (str(query["status"]),) if "status" in query else ()

        async def wp_call(
            pool: asyncpg.Pool, per_page: int = per_page, number: int = number, s: tuple[str, ...] = statuses
        ) -> object:
            return await wp_internal.list_page(
                pool, org_id, wp_internal.ListFilter(s), per_page, (number - 1) * per_page
            )

        calls.append((label, wp_call))
    return calls


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


async def _measure(settings: Settings, seeded: scale.Seeded, seconds: float) -> dict[str, dict[str, float]]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    results: dict[str, dict[str, float]] = {}
    try:
        for label, call in _calls(seeded):
            await call(pool)  # warm: plan cache, pages in memory
            timings: list[float] = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                started = time.perf_counter()
                await call(pool)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            results[label] = {"n": len(timings), "p50_ms": _percentile(timings, 50), "p99_ms": _percentile(timings, 99)}
    finally:
        await pool.close()
    return results


def measure(settings: Settings, seeded: scale.Seeded, seconds: float) -> dict[str, dict[str, float]]:
    return asyncio.run(_measure(settings, seeded, seconds))


def print_table(results: dict[str, dict[str, float]], documents: int) -> None:
    width = max(len(label) for label in results) + 2
    print(f"\nthe same lists as the service's commands without HTTP, one connection, {documents:,} documents")
    print(f"{'query':<{width}} {'calls':>7} {'p50':>10} {'p99':>10}")
    for label, r in results.items():
        print(f"{label:<{width}} {r['n']:>7.0f} {r['p50_ms']:>7.1f} ms {r['p99_ms']:>7.1f} ms")
