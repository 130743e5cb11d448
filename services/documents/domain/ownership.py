"""Who fills a field (pure: no I/O).

A field belongs to the participant named by its `signer_id` when it has one (an optional
`signerId` on the field: two participants who share an order can each own fields), and
otherwise to the one participant holding its `assigned_to` order, as it always did. Every reader
of ownership — the send checks, the signing API, the certificate — asks here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Row = Mapping[str, Any]


def owns(field: Row, signer: Row) -> bool:
    if field["signer_id"] is not None:
        return bool(field["signer_id"] == signer["id"])
    return bool(field["assigned_to"] is not None and field["assigned_to"] == signer["signing_order"])


def own_fields(fields: Iterable[Row], signer: Row) -> list[Any]:
    return [f for f in fields if owns(f, signer)]


def candidates(field: Row, signers: Sequence[Row]) -> list[Row]:
    """The signers the field points at: its signer by id, or everyone holding its order."""
    if field["signer_id"] is not None:
        return [s for s in signers if s["id"] == field["signer_id"]]
    if field["assigned_to"] is None:
        return []
    return [s for s in signers if s["signing_order"] == field["assigned_to"]]
