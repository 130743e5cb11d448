"""Response models of the audit API (also the source of its OpenAPI description).

`ListMeta` has the shape of every list's `meta` (common.PageMeta) with a description for each
property; it keeps its own name so the OpenAPI document stays as published.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AuditEntry(BaseModel):
    """One action on a document: what happened, who did it, from where, and when.

    Entries are immutable and hash-chained per document (each entry's hash covers its fields and
    the previous entry's hash), so a changed, removed or reordered entry is detectable.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Audit entry id (`log_…`).", examples=["log_abc123"])
    action: str = Field(description="The event type, e.g. `document.created`, `signer.completed`.", examples=["document.created"])
    details: str = Field(
        description='Human-readable description, prefixed by who acted: "API: ", "Signer: " or "System: ".',
        examples=['API: Created document "Sales Agreement Q3"'],
    )
    ipAddress: str | None = Field(description="IP address of the client that caused the action; null for system actions.", examples=["203.0.113.42"])
    userAgent: str | None = Field(description="User agent of that client.", examples=["curl/8.4.0"])
    geoCity: str | None = Field(description="City of the IP address (English name); null when unknown, private or local.", examples=["Bogotá"])
    geoCountry: str | None = Field(description="ISO 3166-1 alpha-2 country code of the IP address; null when unknown.", examples=["CO"])
    createdAt: str = Field(
        description="When the action happened (ISO 8601, UTC, milliseconds).",
        json_schema_extra={"format": "date-time"},
        examples=["2026-05-28T12:00:00.000Z"],
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
