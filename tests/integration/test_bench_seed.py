"""`make bench-seed` at a small size (the suite never seeds a million rows): COPY fills the
benchmark organisation, the counters follow, a second run resumes rather than duplicates, and
--reset removes the seeded rows and nothing else."""

from __future__ import annotations

import asyncpg

from bench import seed
from services.documents.db import repository as repo


async def live_by_status(db: asyncpg.Pool, org_id: str) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT status, count(*) AS n FROM documents.documents WHERE org_id = $1 AND deleted_at IS NULL GROUP BY 1",
        org_id,
    )
    return {r["status"]: r["n"] for r in rows}


async def test_seed_resumes_counts_and_resets(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        org_id = await seed.organisation(conn)
        await seed.reset(conn, org_id)
        # A document of the organisation's own, which the seeder must never touch.
        await conn.execute(
            "INSERT INTO documents.documents (id, org_id, name) VALUES ($1, $2, 'Not seeded')", "cnotseeded01", org_id
        )
        assert await seed.seed(conn, org_id, 1_200) == (0, 1_200)
        assert await seed.seed(conn, org_id, 2_000) == (1_200, 800)  # resumes where it stopped
        assert await seed.seed(conn, org_id, 2_000) == (2_000, 0)  # idempotent

        by_status = await live_by_status(db, org_id)
        assert sum(by_status.values()) == 2_001
        assert set(by_status) == {"draft", "pending", "completed", "declined", "cancelled", "expired"}
        for status, n in by_status.items():
            assert await repo.count_live_documents(conn, org_id, [status]) == n
        assert (
            await db.fetchval(
                """SELECT count(DISTINCT s.document_id) FROM documents.signers s
               JOIN documents.documents d ON d.id = s.document_id WHERE d.created_by = $1 AND d.org_id = $2""",
                seed.SEED_CREATOR,
                org_id,
            )
            == 2_000
        )
        assert (
            await db.fetchval(
                "SELECT count(*) FROM documents.documents WHERE org_id = $1 AND name LIKE $2",
                org_id,
                "%" + seed.document_name(1_234) + "%",
            )
            == 1
        )

        assert await seed.reset(conn, org_id) == 2_000
        assert await live_by_status(db, org_id) == {"draft": 1}
        assert await repo.count_live_documents(conn, org_id) == 1
        # The seeded signers went with their documents (scoped to the organisation: a real signer
        # id may start with the seeder's "sr_bs" by chance, e.g. among a bulk send's 500).
        assert (
            await db.fetchval(
                """SELECT count(*) FROM documents.signers s JOIN documents.documents d ON d.id = s.document_id
                   WHERE d.org_id = $1 AND s.id LIKE 'sr_bs%'""",
                org_id,
            )
            == 0
        )
