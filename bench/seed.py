"""`make bench-seed`: a million documents (each with a signer) in the benchmark organisation.

Rows go in with COPY (asyncpg's binary `copy_records_to_table`), in chunks that each commit on
their own; the statement-level count triggers (migrations/0012) add each chunk to the
organisation's counters in one upsert. Seeded rows are recognisable (created_by = SEED_CREATOR,
ids derived from their position), which makes the command:

- idempotent: run again, it adds only what is missing up to the requested size;
- resettable: `--reset` deletes every seeded row (and only those) first.

Seeded documents never enter a worker's queue: no expiry date, no reminders, no completion
request, no signing link. They exist to be listed, searched, filtered and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.fixtures import BENCH_ORG
from services.gateway import credentials
from shared.settings import Settings

SEED_CREATOR = "bench-seed"
DEFAULT_SIZE = 1_000_000
CHUNK = 50_000
# Newest seeded document: a fixed instant, so a resumed seed continues the same timeline.
_NEWEST = datetime(2026, 1, 1, tzinfo=UTC)
_STEP = timedelta(seconds=30)

KINDS = ("NDA", "Employment Contract", "Lease Agreement", "Purchase Order", "Service Agreement", "Invoice")
COMPANIES = tuple(
    f"{a} {b}"
    for a in ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent")
    for b in ("Corp", "Ltd", "GmbH", "Partners", "Holdings")
)
# 10 buckets of statuses: 4 draft, 3 pending, 2 completed, 1 spread over the rest.
_STATUSES = ("draft",) * 4 + ("pending",) * 3 + ("completed",) * 2
_RARE = ("declined", "cancelled", "expired")
# The signer's status that goes with the document's (a cancelled or expired one had been invited).
_SIGNER_STATUS = {"draft": "pending", "pending": "sent", "completed": "completed", "declined": "declined"}

DOCUMENT_COLUMNS = ("id", "org_id", "name", "status", "signing_type", "created_by", "sent_at", "completed_at")
DOCUMENT_TIMES = ("declined_at", "cancelled_at", "expired_at", "created_at", "updated_at")
SIGNER_COLUMNS = ("id", "document_id", "email", "name", "status", "signed_at", "created_at", "updated_at")


def document_id(position: int) -> str:
    """`c` + 24 base-36 characters, like every document id; unique per position."""
    return f"cbs{position:022d}"


def document_name(position: int) -> str:
    """Names a search can find in many rows (a company: 2 %) or in one (the number)."""
    return f"{KINDS[position % len(KINDS)]} - {COMPANIES[position // 7 % len(COMPANIES)]} #{position:07d}"


def created_at(position: int) -> datetime:
    """Position 0 is the newest; each next one 30 s older (a year of documents at 1 M)."""
    return _NEWEST - position * _STEP


def status_of(position: int) -> str:
    bucket = position % 10
    return _STATUSES[bucket] if bucket < len(_STATUSES) else _RARE[position // 10 % len(_RARE)]


@dataclass(frozen=True)
class Rows:
    documents: list[tuple[object, ...]]
    signers: list[tuple[object, ...]]


def rows(org_id: str, start: int, stop: int) -> Rows:
    documents: list[tuple[object, ...]] = []
    signers: list[tuple[object, ...]] = []
    for position in range(start, stop):
        created = created_at(position)
        status = status_of(position)
        sent = created + timedelta(minutes=5) if status != "draft" else None
        ended = created + timedelta(days=1)
        doc_id = document_id(position)
        documents.append(
            (
                doc_id,
                org_id,
                document_name(position),
                status,
                "parallel",
                SEED_CREATOR,
                sent,
                ended if status == "completed" else None,
                ended if status == "declined" else None,
                ended if status == "cancelled" else None,
                ended if status == "expired" else None,
                created,
                ended if sent else created,
            )
        )
        signers.append(
            (
                f"sr_bs{position:018d}",
                doc_id,
                f"signer{position}@bench.invalid",
                f"Signer {position}",
                _SIGNER_STATUS.get(status, "sent"),
                ended if status == "completed" else None,
                created,
                created,
            )
        )
    return Rows(documents, signers)


def _chunks(start: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(start, size, CHUNK):
        yield first, min(first + CHUNK, size)


async def seeded_count(conn: asyncpg.Connection, org_id: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM documents.documents WHERE org_id = $1 AND created_by = $2", org_id, SEED_CREATOR
    )


async def reset(conn: asyncpg.Connection, org_id: str) -> int:
    """Delete every seeded row of the organisation; the count triggers take them off the counters."""
    async with conn.transaction():
        await conn.execute(
            """DELETE FROM documents.signers s USING documents.documents d
               WHERE s.document_id = d.id AND d.org_id = $1 AND d.created_by = $2""",
            org_id,
            SEED_CREATOR,
        )
        deleted = await conn.execute(
            "DELETE FROM documents.documents WHERE org_id = $1 AND created_by = $2", org_id, SEED_CREATOR
        )
    return int(deleted.split()[-1])


async def seed(conn: asyncpg.Connection, org_id: str, size: int, *, progress: bool = False) -> tuple[int, int]:
    """Bring the organisation's seeded documents up to `size`; returns (already there, added).

    Chunks commit in position order, so what exists is always positions 0..n-1 and a run that
    was interrupted resumes where it stopped."""
    existing = await seeded_count(conn, org_id)
    for first, last in _chunks(existing, size):
        batch = rows(org_id, first, last)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "documents", schema_name="documents", records=batch.documents, columns=DOCUMENT_COLUMNS + DOCUMENT_TIMES
            )
            await conn.copy_records_to_table(
                "signers", schema_name="documents", records=batch.signers, columns=SIGNER_COLUMNS
            )
        if progress:
            print(f"bench-seed: {last:,} / {size:,}", flush=True)
    if size > existing:
        # Fresh statistics and visibility map: the planner sees a million rows, index-only scans stay index-only.
        await conn.execute("VACUUM (ANALYZE) documents.documents")
        await conn.execute("VACUUM (ANALYZE) documents.signers")
    return existing, max(size - existing, 0)


async def organisation(conn: asyncpg.Connection) -> str:
    org_id, _ = await credentials.ensure_organization(conn, BENCH_ORG)
    return org_id


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench-seed", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=int, default=int(os.environ.get("BENCH_SEED_SIZE", DEFAULT_SIZE)), help="seeded documents"
    )
    parser.add_argument("--reset", action="store_true", help="delete the seeded documents first")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        org_id = await organisation(conn)
        if args.reset:
            print(f"bench-seed: deleted {await reset(conn, org_id):,} seeded documents", flush=True)
        started = time.monotonic()
        existing, added = await seed(conn, org_id, args.size, progress=True)
        took = time.monotonic() - started
        print(
            f"bench-seed: {BENCH_ORG} ({org_id}) has {existing + added:,} seeded documents "
            f"({added:,} added in {took:.1f} s)"
            + (f"; {existing - args.size:,} more than asked: --reset to start over" if existing > args.size else ""),
            flush=True,
        )
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(_main(_parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
