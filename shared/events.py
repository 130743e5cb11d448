"""The event envelope and the catalogue of event types: the contract between services.

Routing key = event type. `id` is the consumers' dedupe key. `data` carries the payload of
the event type (see docs/events.md for each type's fields). Adding a type means adding it to
`EVENT_TYPES` here, and documenting it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.context import RequestContext

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "document.created",
        "document.updated",
        "document.deleted",
        "document.sent",
        "document.viewed",
        "document.downloaded",
        "document.completed",
        "document.declined",
        "document.cancelled",
        "document.expired",
        "signer.added",
        "signer.updated",
        "signer.removed",
        "signer.invited",
        "signer.viewed",
        "signer.completed",
        "signer.declined",
        "signer.reminded",
        "signer.approved",
        "signer.otp_requested",
        "signer.otp_locked",
        "signer.otp_unlocked",
        "signer.delivery_failed",
        "field.added",
        "field.updated",
        "field.removed",
        "attachment.added",
        "attachment.removed",
    }
)


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["api_key", "signer", "system"]
    id: str | None = None
    ip: str | None = None
    userAgent: str | None = None

    @classmethod
    def from_context(cls, ctx: RequestContext) -> Actor:
        return cls(type=ctx.actor_type, id=ctx.actor_id, ip=ctx.ip, userAgent=ctx.user_agent)


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurredAt: datetime = Field(default_factory=lambda: datetime.now(UTC))
    orgId: str
    documentId: str | None = None
    actor: Actor
    # The request that caused the event, so consumers log under the same request id.
    requestId: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def model_post_init(self, _: Any) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
