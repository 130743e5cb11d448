"""The per-document hash chain of audit entries (pure: no I/O).

Each document's entries form a chain in append order (`position` 1, 2, 3, ...):

    hash(n) = SHA-256( prev_hash(n) + "\\n" + canonical_json(entry n) ), as lowercase hex
    prev_hash(1) = GENESIS_HASH (64 zeros);  prev_hash(n) = hash(n - 1)

`canonical_json` is the JSON object of the entry's recorded fields (`RECORDED_FIELDS` below, with
their camelCase names), keys sorted, no whitespace, UTF-8 without escaping non-ASCII. Every value
is a string, an integer or null, so this form is also the RFC 8785 (JCS) canonical form and
anyone can recompute a hash from an export of the trail. `createdAt` is ISO 8601 in UTC with
microseconds and `Z` (PostgreSQL keeps microseconds, so the value survives a round trip).

Changing any recorded field of an entry, removing or reordering entries, or splicing one
document's entries into another's breaks verification from that point on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# Field name in the canonical JSON -> attribute of `EntryRecord`.
RECORDED_FIELDS: dict[str, str] = {
    "id": "id",
    "orgId": "org_id",
    "documentId": "document_id",
    "eventId": "event_id",
    "position": "position",
    "action": "action",
    "details": "details",
    "actorType": "actor_type",
    "actorId": "actor_id",
    "ipAddress": "ip_address",
    "userAgent": "user_agent",
    "geoCity": "geo_city",
    "geoCountry": "geo_country",
    "createdAt": "created_at",
}


@dataclass(frozen=True)
class EntryRecord:
    """What an audit entry records; everything here is covered by the entry's hash."""

    id: str
    org_id: str
    document_id: str
    event_id: str
    position: int
    action: str
    details: str
    actor_type: str
    actor_id: str | None
    ip_address: str | None
    user_agent: str | None
    geo_city: str | None
    geo_country: str | None
    created_at: datetime


@dataclass(frozen=True)
class ChainedEntry:
    record: EntryRecord
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    # Position of the first entry that does not verify, and why; None when the chain is intact.
    broken_at: int | None = None
    reason: str | None = None


def canonical_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(record: EntryRecord) -> bytes:
    fields: dict[str, str | int | None] = {}
    for name, attribute in RECORDED_FIELDS.items():
        value = getattr(record, attribute)
        fields[name] = canonical_timestamp(value) if isinstance(value, datetime) else value
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, record: EntryRecord) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii") + b"\n")
    digest.update(canonical_json(record))
    return digest.hexdigest()


def append(prev_hash: str, record: EntryRecord) -> ChainedEntry:
    """The entry that links `record` after the entry whose hash is `prev_hash`."""
    return ChainedEntry(record=record, prev_hash=prev_hash, hash=entry_hash(prev_hash, record))


def verify_chain(entries: Sequence[ChainedEntry]) -> ChainVerification:
    """Check one document's whole chain, given in position order from the first entry."""
    expected_prev = GENESIS_HASH
    document_id = entries[0].record.document_id if entries else None
    for expected_position, entry in enumerate(entries, start=1):
        position = entry.record.position
        if position != expected_position:
            return ChainVerification(
                False, expected_position, f"expected position {expected_position}, found {position}"
            )
        if entry.record.document_id != document_id:
            return ChainVerification(False, position, "entry belongs to another document")
        if entry.prev_hash != expected_prev:
            return ChainVerification(False, position, "prev_hash does not match the previous entry's hash")
        if entry.hash != entry_hash(entry.prev_hash, entry.record):
            return ChainVerification(False, position, "hash does not match the entry's recorded fields")
        expected_prev = entry.hash
    return ChainVerification(True)
