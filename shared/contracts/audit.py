"""Response models of the audit API (also the source of its OpenAPI description).

`ListMeta` has the shape of every list's `meta` (common.PageMeta) with a description for each
property; it keeps its own name so the OpenAPI document stays as published.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class AuditEntry(BaseModel):
    """One action on a document: what happened, who did it, from where, and when.

    Entries are immutable and hash-chained per document (each entry's hash covers its fields and
    the previous entry's hash), so a changed, removed or reordered entry is detectable.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Audit entry id (`log_…`).", examples=["log_abc123"])
    action: str = Field(
        description="The event type, e.g. `document.created`, `signer.completed`.", examples=["document.created"]
    )
    details: str = Field(
        description='Human-readable description, prefixed by who acted: "API: ", "Signer: " or "System: ".',
        examples=['API: Created document "Sales Agreement Q3"'],
    )
    ipAddress: str | None = Field(
        description="IP address of the client that caused the action; null for system actions.",
        examples=["203.0.113.42"],
    )
    userAgent: str | None = Field(description="User agent of that client.", examples=["curl/8.4.0"])
    geoCity: str | None = Field(
        description="City of the IP address (English name); null when unknown, private or local.", examples=["Bogotá"]
    )
    geoCountry: str | None = Field(
        description="ISO 3166-1 alpha-2 country code of the IP address; null when unknown.", examples=["CO"]
    )
    createdAt: str = Field(
        description="When the action happened (ISO 8601, UTC, milliseconds).",
        json_schema_extra={"format": "date-time"},
        examples=["2026-05-28T12:00:00.000Z"],
    )
    # The chain (services/audit/chain.py): anyone can recompute `hash` from an export.
    position: int = Field(description="The entry's place in the document's chain, from 1.", examples=[1])
    prevHash: str = Field(
        description="`hash` of the entry before (64 zeros for the first): SHA-256, hex.", examples=["0" * 64]
    )
    hash: str = Field(
        description="SHA-256 (hex) of `prevHash`, a newline and the entry's canonical JSON "
        "(services/audit/chain.py): changing, removing or reordering an entry breaks it."
    )


class ListMeta(BaseModel):
    """Cursor pagination metadata: pass `nextCursor` as `cursor` to get the next page."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(description="Number of items in this page.")
    hasMore: bool = Field(description="Whether another page follows.")
    nextCursor: str | None = Field(description="Opaque cursor of the next page; null on the last page.")


class AuditTrail(BaseModel):
    """A page of a document's audit trail, oldest entry first."""

    model_config = ConfigDict(extra="forbid")

    data: list[AuditEntry]
    meta: ListMeta


class ChainBreak(BaseModel):
    """The first entry that does not match the chain."""

    model_config = ConfigDict(extra="forbid")

    position: int = Field(description="Its position in the chain.")
    entryId: str | None = Field(description="Its id; null when the entry at that position is missing.")
    reason: str


class AuditChainVerification(BaseModel):
    """GET /api/v1/documents/{id}/audit/verify: the document's chain recomputed from its stored entries."""

    model_config = ConfigDict(extra="forbid")

    documentId: str
    valid: bool = Field(description="Every entry links to the one before and the last is the recorded head.")
    entries: int = Field(description="Entries stored for the document.")
    headPosition: int = Field(description="Position of the chain's recorded last entry.")
    headHash: str = Field(
        description="Hash of the chain's recorded last entry (printed on the certificate of completion)."
    )
    firstBroken: ChainBreak | None = Field(description="Null when the chain is intact.")


# --- internal: the documents service asks for the chain head its certificate prints ----------


class ChainCoverRequest(BaseModel):
    """POST /internal/documents/{id}/chain-head: the events the head must cover (their ids)."""

    model_config = ConfigDict(extra="forbid")

    # A document's events are a handful per participant; the cap only bounds a pathological one.
    eventIds: list[uuid.UUID] = Field(min_length=1, max_length=10_000)


class ChainCover(BaseModel):
    """The first entries of a document's chain, 1..position, that hold every event asked about."""

    position: int  # also the number of entries covered
    hash: str  # the hash of the entry at `position`: the head of that prefix of the chain
    entryId: str
