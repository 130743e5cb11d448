"""Verify a document's stored chain against its head (`check` is pure; `chain_report` loads and checks).

`chain.verify_chain` proves each entry links to the one before it; it cannot see entries removed
from the end (the shorter chain still links). The head row (`audit.chain_heads`, advanced in the
same transaction as each append) records the last link, so the stored entries must also end
exactly there. The answer names the first entry that does not match: its position and id (the
id is None where the entry is missing altogether).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.audit.chain import GENESIS_HASH, ChainedEntry, verify_chain


@dataclass(frozen=True, slots=True)
class Head:
    position: int  # 0: no entry yet
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    head: Head
    broken_at: int | None = None  # position of the first entry that does not match
    entry_id: str | None = None  # that entry's id, when it exists
    reason: str | None = None


def check(entries: Sequence[ChainedEntry], head: Head | None) -> ChainReport:
    head = head or Head(0, GENESIS_HASH)
    verified = verify_chain(entries)
    if not verified.ok:
        assert verified.broken_at is not None
        at = next((e.record.id for e in entries if e.record.position == verified.broken_at), None)
        return ChainReport(False, len(entries), head, verified.broken_at, at, verified.reason)
    last_position = entries[-1].record.position if entries else 0
    last_hash = entries[-1].hash if entries else GENESIS_HASH
    if last_position < head.position:
        return ChainReport(
            False,
            len(entries),
            head,
            last_position + 1,
            None,
            f"entries {last_position + 1} to {head.position} are missing (the head is at {head.position})",
        )
    if last_position != head.position or last_hash != head.hash:
        last_id = entries[-1].record.id if entries else None
        return ChainReport(
            False, len(entries), head, last_position, last_id, "the last entry is not the chain's recorded head"
        )
    return ChainReport(True, len(entries), head)


async def chain_report(conn: asyncpg.Connection, document_id: str) -> ChainReport:
    """The stored chain recomputed against its head (the API and `countersign audit verify`)."""
    from services.audit import repository  # SQL lives there; imported here to keep `check` importable alone

    head = await repository.chain_head(conn, document_id)
    entries = await repository.load_chain(conn, document_id)
    return check(entries, Head(head.position, head.hash) if head else None)
