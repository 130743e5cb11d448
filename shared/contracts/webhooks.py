"""Request and response bodies of the webhook API, as pydantic models.

Shapes and limits follow the reference (webhooks-overview.txt): `url` (HTTPS, at most 2048
characters), `events` (1–50 public event types), `description` (at most 500 characters),
`status` active|inactive, `failureCount`, and `secret` only in the create response.

`events` is answered as a JSON-encoded string (`"[\"document.completed\"]"`), exactly as the
reference's 201 example shows it, so clients written against inSigner that decode it keep
working; requests send it as a plain array.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from shared.contracts.common import PageMeta, Timestamp
from shared.events import EVENT_TYPES
from shared.patch_schema import not_nullable
from shared.text import SINGLE_LINE

MAX_EVENTS = 50
MAX_URL_LENGTH = 2048  # the notifier's URL check (services/notifier/webhooks/ssrf.py) applies it too
MAX_DESCRIPTION = 500
PUBLIC_EVENT_TYPES: tuple[str, ...] = tuple(sorted(EVENT_TYPES))

WebhookStatus = Literal["active", "inactive"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
AttemptStatus = Literal["succeeded", "failed"]


def _known_event(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {value!r}")
    return value


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))  # a repeated type means nothing more; keep the first order


def _no_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; refusing it here makes it a 422, not a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("May not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


EventType = Annotated[
    str,
    AfterValidator(_known_event),
    WithJsonSchema({"type": "string", "enum": list(PUBLIC_EVENT_TYPES)}),
]
EventList = Annotated[
    list[EventType],
    Field(min_length=1, max_length=MAX_EVENTS, description="Event types to subscribe to (1–50)"),
    AfterValidator(_distinct),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH),
    SINGLE_LINE,
    Field(
        description="Endpoint URL: https, at most 2048 characters; must not resolve to a private, loopback, "
        "link-local or metadata address"
    ),
]
Description = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION),
    SINGLE_LINE,
    Field(description="Human-readable description (at most 500 characters)"),
]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        return _no_nul(value)


class WebhookCreate(RequestModel):
    """Body of POST /api/v1/webhooks (at most 10 webhooks per organisation)."""

    url: Url
    events: EventList
    description: Description | None = None


NOT_NULL = ("url", "events", "status")  # of WebhookUpdate: may be left out, never null


class WebhookUpdate(RequestModel):
    """Body of PATCH /api/v1/webhooks/{id}. `status: "active"` reactivates a webhook and resets
    its `failureCount`; `description: null` clears the description."""

    url: Url | None = None
    events: EventList | None = None
    status: WebhookStatus | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _something_given(self) -> WebhookUpdate:
        if not self.model_fields_set:
            raise ValueError("At least one property must be given")
        return self

    @field_validator(*NOT_NULL)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # may be left out, never cleared
            raise ValueError("May not be null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The spec must not offer the null that _not_null refuses.
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        not_nullable(handler.resolve_ref_schema(json_schema), NOT_NULL)
        return json_schema

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class EmptyRequest(RequestModel):
    """No body is needed (an empty body or `{}`)."""


class Webhook(BaseModel):
    """A webhook endpoint (its secret is never shown after creation)."""

    id: str
    url: str
    events: str = Field(
        description='JSON-encoded array of the subscribed event types, e.g. "[\\"document.completed\\"]", '
        "as the inSigner API returns it"
    )
    status: WebhookStatus
    description: str | None
    failureCount: int = Field(
        description="Consecutive failed delivery attempts; 20 deactivate the webhook, a success resets it"
    )
    createdAt: Timestamp
    updatedAt: Timestamp


class WebhookCreated(BaseModel):
    """The webhook just created, with its signing secret: shown this once, store it now."""

    id: str
    url: str
    events: str = Field(description="JSON-encoded array of the subscribed event types")
    status: WebhookStatus
    description: str | None
    secret: str = Field(
        description="Signing secret, `whsec_` + base64 of 32 key bytes (the Standard Webhooks form: give it "
        "to a Standard Webhooks library as it is); only in this response. `X-InSigner-Signature` is keyed "
        "with this string as text.",
        examples=["whsec_gymrjhKf+peVLkwz/XrhzVQgH4NL92YXc6AZIegf4P0="],
    )
    failureCount: int
    createdAt: Timestamp
    updatedAt: Timestamp


class DeliveryAttempt(BaseModel):
    """One attempt to deliver: what the endpoint answered, or why there was no answer."""

    attempt: int
    status: AttemptStatus
    responseCode: int | None
    durationMs: int
    error: str | None
    attemptedAt: Timestamp


class Delivery(BaseModel):
    """One event sent to one webhook, with its latest attempts (newest first, at most 20)."""

    id: str = Field(description="The delivery's id, sent as the `webhook-id` header on every attempt")
    webhookId: str
    event: str = Field(description="Event type")
    eventId: str
    status: DeliveryStatus
    attempts: int = Field(description="Attempts made so far")
    responseCode: int | None = Field(description="HTTP status of the latest attempt (none if no response)")
    durationMs: int | None = Field(description="Duration of the latest attempt")
    error: str | None = Field(description="Why the latest attempt failed without a usable response")
    lastAttemptAt: Timestamp | None
    nextAttemptAt: Timestamp | None = Field(description="When the next attempt is due (pending deliveries only)")
    createdAt: Timestamp
    attemptLog: list[DeliveryAttempt]


class WebhookListResponse(BaseModel):
    """GET /api/v1/webhooks, newest first."""

    data: list[Webhook]
    meta: PageMeta


class WebhookResponse(BaseModel):
    """GET or PATCH /api/v1/webhooks/{id}."""

    data: Webhook


class WebhookCreatedResponse(BaseModel):
    """POST /api/v1/webhooks."""

    data: WebhookCreated


class DeliveryListResponse(BaseModel):
    """GET /api/v1/webhooks/{id}/deliveries, newest first."""

    data: list[Delivery]
    meta: PageMeta


class DeliveryResponse(BaseModel):
    """POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver."""

    data: Delivery
