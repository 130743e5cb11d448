"""The per-document hash chain: computed over canonical JSON, and any tampering is detected."""

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from services.audit.chain import GENESIS_HASH, EntryRecord, append, canonical_json, verify_chain

START = datetime(2026, 5, 28, 12, 0, 0, 123456, tzinfo=UTC)


def record(position: int, **changes: Any) -> EntryRecord:
    base = EntryRecord(
        id=f"log_{position}",
        org_id="org_1",
        document_id="cdoc",
        event_id=f"00000000-0000-0000-0000-{position:012d}",
        position=position,
        action="document.updated",
        details="API: Updated document (name)",
        actor_type="api_key",
        actor_id="key_1",
        ip_address="203.0.113.42",
        user_agent="curl/8.4.0",
        geo_city="Bogotá",
        geo_country="CO",
        created_at=START + timedelta(minutes=position),
    )
    return dataclasses.replace(base, **changes)


def build_chain(length: int):
    entries, prev = [], GENESIS_HASH
    for position in range(1, length + 1):
        entry = append(prev, record(position))
        entries.append(entry)
        prev = entry.hash
    return entries


def test_canonical_json_is_sorted_compact_utf8_with_microsecond_utc():
    text = canonical_json(record(1)).decode("utf-8")
    assert text.startswith(
        '{"action":"document.updated","actorId":"key_1","actorType":"api_key","createdAt":"2026-05-28T12:01:00.123456Z"'
    )
    assert '"geoCity":"Bogotá"' in text  # not \u-escaped
    assert " " not in text.replace("API: Updated document (name)", "")


def test_hash_is_sha256_of_prev_hash_newline_and_canonical_json():
    entry = append(GENESIS_HASH, record(1))
    expected = hashlib.sha256(GENESIS_HASH.encode() + b"\n" + canonical_json(record(1))).hexdigest()
    assert entry.hash == expected
    assert entry.prev_hash == GENESIS_HASH


def test_same_fields_in_another_timezone_hash_the_same():
    shifted = record(1, created_at=record(1).created_at.astimezone(timezone(timedelta(hours=-5))))
    assert append(GENESIS_HASH, shifted).hash == append(GENESIS_HASH, record(1)).hash


def test_an_intact_chain_verifies():
    assert verify_chain(build_chain(5)).ok
    assert verify_chain([]).ok


def test_changing_any_recorded_field_breaks_verification_at_that_entry():
    for field, value in (
        ("details", "API: Deleted document"),
        ("ip_address", "198.51.100.1"),
        ("geo_country", "PT"),
        ("created_at", START),
        ("actor_id", None),
    ):
        chain = build_chain(4)
        chain[2] = dataclasses.replace(chain[2], record=dataclasses.replace(chain[2].record, **{field: value}))
        result = verify_chain(chain)
        assert not result.ok and result.broken_at == 3, field


def test_recomputing_a_tampered_entry_hash_still_breaks_the_next_link():
    chain = build_chain(4)
    forged = append(chain[1].prev_hash, dataclasses.replace(chain[1].record, details="API: Nothing happened"))
    chain[1] = forged
    result = verify_chain(chain)
    assert not result.ok and result.broken_at == 3
    assert "prev_hash" in (result.reason or "")


def test_removed_or_reordered_entries_are_detected():
    chain = build_chain(4)
    assert verify_chain(chain[:2] + chain[3:]).broken_at == 3
    assert verify_chain([chain[1], chain[0], *chain[2:]]).broken_at == 1
    assert verify_chain(chain[1:]).broken_at == 1


def test_an_entry_from_another_document_is_detected():
    chain = build_chain(2)
    other = append(chain[0].hash, record(2, document_id="cother"))
    assert verify_chain([chain[0], other]).broken_at == 2
