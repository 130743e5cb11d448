"""Event payload parts that name people and fields (pure: no I/O).

Part of the event contract (docs/events.md), not a copy of the API's response bodies: kept small
and stable, and built here rather than in api/ so that the use cases and the workers that record
events never depend on the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Row = Mapping[str, Any]


def signer_payload(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "email": row["email"],
        "role": row["role"],
        "order": row["signing_order"],
        # Null when the signer has none of their own (the document's, then English, apply).
        "language": row.get("language"),
    }


def field_payload(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "type": row["type"],
        "label": row["label"],
        "page": row["page"],
        "assignedTo": row["assigned_to"],
    }


def attachment_payload(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "fileName": row["file_name"],
        "fileSize": row["file_size"],
        "sha256": row["sha256"],
        "order": row["position"],
    }


def people(rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [signer_payload(r) for r in rows]
