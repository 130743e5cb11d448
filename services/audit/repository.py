"""SQL of the audit service; every function takes an explicit connection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.audit.chain import GENESIS_HASH, ChainedEntry, EntryRecord
from shared.events import Event
from shared.processed import processed_insert


@dataclass(frozen=True)
class ChainHead:
    position: int  # 0 before the first entry
    hash: str


async def lock_chain_head(conn: asyncpg.Connection, org_id: str, document_id: str) -> ChainHead:
    """The document's last link, row-locked until the transaction ends.

    `ON CONFLICT DO UPDATE` (a no-op update) both creates the head on a document's first event
    and takes the row lock in one statement; a concurrent appender waits here and then reads
    the head as the first one left it, so the chain stays linear.
    """
    row = await conn.fetchrow(
        """INSERT INTO audit.chain_heads (document_id, org_id, position, hash) VALUES ($1, $2, 0, $3)
           ON CONFLICT (document_id) DO UPDATE SET document_id = EXCLUDED.document_id
           RETURNING position, hash""",
        document_id,
        org_id,
        GENESIS_HASH,
    )
    assert row is not None
    return ChainHead(row["position"], row["hash"])


async def claim_and_lock_chain_head(conn: asyncpg.Connection, event: Event, document_id: str) -> ChainHead | None:
    """`lock_chain_head` and the event's dedupe record in one statement (shared/processed.py):
    None, and no lock taken, when the event was handled before."""
    row = await conn.fetchrow(
        f"""WITH processed AS ({processed_insert("audit", "$4", "$5")})
           INSERT INTO audit.chain_heads (document_id, org_id, position, hash) SELECT $1, $2, 0, $3 FROM processed
           ON CONFLICT (document_id) DO UPDATE SET document_id = EXCLUDED.document_id
           RETURNING position, hash""",
        document_id,
        event.orgId,
        GENESIS_HASH,
        event.id,
        event.type,
    )
    return None if row is None else ChainHead(row["position"], row["hash"])


async def append_entry(conn: asyncpg.Connection, entry: ChainedEntry) -> bool:
    """Insert the entry and move its document's chain head to it, in one statement (one round
    trip: the audit consumer's statements per event were its cost under load); False when its
    event already has an entry, and then neither is written. Call with the head locked
    (`lock_chain_head`), in the same transaction."""
    r = entry.record
    appended = await conn.fetchval(
        """WITH entry AS (
               INSERT INTO audit.entries (id, org_id, document_id, event_id, position, action, details,
                                          actor_type, actor_id, ip_address, user_agent, geo_city, geo_country,
                                          created_at, prev_hash, hash)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
               ON CONFLICT (event_id) DO NOTHING
               RETURNING document_id, position, hash)
           UPDATE audit.chain_heads h SET position = entry.position, hash = entry.hash, updated_at = now()
           FROM entry WHERE h.document_id = entry.document_id
           RETURNING true""",
        r.id,
        r.org_id,
        r.document_id,
        uuid.UUID(r.event_id),
        r.position,
        r.action,
        r.details,
        r.actor_type,
        r.actor_id,
        r.ip_address,
        r.user_agent,
        r.geo_city,
        r.geo_country,
        r.created_at,
        entry.prev_hash,
        entry.hash,
    )
    return bool(appended)


async def list_entries(
    conn: asyncpg.Connection, org_id: str, document_id: str, limit: int, after: tuple[datetime, str] | None
) -> list[asyncpg.Record]:
    """One page of a document's trail, oldest first; keyset on (created_at, id), no OFFSET."""
    columns = (
        "id, action, details, ip_address, user_agent, geo_city, geo_country, created_at, position, prev_hash, hash"
    )
    if after is None:
        return await conn.fetch(
            f"""SELECT {columns} FROM audit.entries WHERE org_id = $1 AND document_id = $2
                ORDER BY created_at, id LIMIT $3""",
            org_id,
            document_id,
            limit,
        )
    return await conn.fetch(
        f"""SELECT {columns} FROM audit.entries
            WHERE org_id = $1 AND document_id = $2 AND (created_at, id) > ($4, $5)
            ORDER BY created_at, id LIMIT $3""",
        org_id,
        document_id,
        limit,
        after[0],
        after[1],
    )


async def load_chain(conn: asyncpg.Connection, document_id: str) -> list[ChainedEntry]:
    """A document's whole chain in append order, ready for `chain.verify_chain`."""
    rows = await conn.fetch("SELECT * FROM audit.entries WHERE document_id = $1 ORDER BY position", document_id)
    return [
        ChainedEntry(
            record=EntryRecord(
                id=row["id"],
                org_id=row["org_id"],
                document_id=row["document_id"],
                event_id=str(row["event_id"]),
                position=row["position"],
                action=row["action"],
                details=row["details"],
                actor_type=row["actor_type"],
                actor_id=row["actor_id"],
                ip_address=row["ip_address"],
                user_agent=row["user_agent"],
                geo_city=row["geo_city"],
                geo_country=row["geo_country"],
                created_at=row["created_at"],
            ),
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )
        for row in rows
    ]


async def chain_head(conn: asyncpg.Connection, document_id: str) -> ChainHead | None:
    """The document's recorded last link (without a lock: for verification, not appending)."""
    row = await conn.fetchrow("SELECT position, hash FROM audit.chain_heads WHERE document_id = $1", document_id)
    return ChainHead(row["position"], row["hash"]) if row else None


@dataclass(frozen=True)
class Cover:
    """How far the chain must reach to hold a set of events: `missing` of them are not in it yet;
    when none is missing, entries 1..position hold them all and `hash` is entry `position`'s."""

    missing: int
    position: int = 0
    hash: str = GENESIS_HASH
    entry_id: str | None = None


async def chain_cover(conn: asyncpg.Connection, org_id: str, document_id: str, event_ids: list[uuid.UUID]) -> Cover:
    wanted = sorted(set(event_ids))
    row = await conn.fetchrow(
        """SELECT count(*) AS recorded, max(position) AS position FROM audit.entries
           WHERE org_id = $1 AND document_id = $2 AND event_id = ANY($3::uuid[])""",
        org_id,
        document_id,
        wanted,
    )
    assert row is not None
    if row["recorded"] < len(wanted):
        return Cover(missing=len(wanted) - row["recorded"])
    entry = await conn.fetchrow(
        "SELECT id, hash FROM audit.entries WHERE document_id = $1 AND position = $2", document_id, row["position"]
    )
    assert entry is not None
    return Cover(missing=0, position=row["position"], hash=entry["hash"], entry_id=entry["id"])
