"""Checking a stored chain against its head (pure)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from services.audit.chain import GENESIS_HASH, EntryRecord, append
from services.audit.chain_check import Head, check


def _chain(n: int):  # type: ignore[no-untyped-def]
    entries, prev = [], GENESIS_HASH
    for position in range(1, n + 1):
        record = EntryRecord(
            f"log_{position}",
            "org_1",
            "doc_1",
            f"00000000-0000-0000-0000-00000000000{position}",
            position,
            "document.updated",
            "API: x",
            "api_key",
            "key_1",
            None,
            None,
            None,
            None,
            datetime(2026, 1, 1, tzinfo=UTC),
        )
        entries.append(append(prev, record))
        prev = entries[-1].hash
    return entries


def test_an_intact_chain_ends_at_its_head() -> None:
    entries = _chain(3)
    assert check(entries, Head(3, entries[-1].hash)).ok
    assert check([], None).ok and check([], None).entries == 0


def test_an_edited_entry_is_named_by_position_and_id() -> None:
    entries = _chain(3)
    edited = dataclasses.replace(entries[1], record=dataclasses.replace(entries[1].record, details="API: y"))
    report = check([entries[0], edited, entries[2]], Head(3, entries[-1].hash))
    assert not report.ok and report.broken_at == 2 and report.entry_id == "log_2"


def test_removed_entries_are_caught_in_the_middle_and_at_the_end() -> None:
    entries = _chain(4)
    head = Head(4, entries[-1].hash)
    middle = check([entries[0], entries[2], entries[3]], head)
    assert not middle.ok and middle.broken_at == 2
    end = check(entries[:3], head)
    assert not end.ok and end.broken_at == 4 and end.entry_id is None
    assert not check(entries, Head(4, "f" * 64)).ok  # a head that no stored entry reaches
