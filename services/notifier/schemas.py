"""What the notifier's public API takes and answers, keyed like services.gateway.routes.ROUTES
(the OpenAPI document is generated from these tables; see services/gateway/openapi_catalog.py).
The models themselves live in services.notifier.webhooks.models."""

from __future__ import annotations

from pydantic import BaseModel

from services.notifier.webhooks.models import (
    DeliveryListResponse, DeliveryResponse, EmptyRequest, WebhookCreate, WebhookCreatedResponse, WebhookListResponse,
    WebhookResponse, WebhookUpdate,
)

W = "/api/v1/webhooks"
REDELIVER = ("POST", W + "/{id}/deliveries/{deliveryId}/redeliver")

REQUEST_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", W): WebhookCreate,
    ("PATCH", W + "/{id}"): WebhookUpdate,
    REDELIVER: EmptyRequest,
}
RESPONSE_MODELS: dict[tuple[str, str], tuple[int, type[BaseModel] | None]] = {
    ("GET", W): (200, WebhookListResponse),
    ("POST", W): (201, WebhookCreatedResponse),
    ("GET", W + "/{id}"): (200, WebhookResponse),
    ("PATCH", W + "/{id}"): (200, WebhookResponse),
    ("DELETE", W + "/{id}"): (204, None),
    ("GET", W + "/{id}/deliveries"): (200, DeliveryListResponse),
    REDELIVER: (202, DeliveryResponse),
}
QUERY_MODELS: dict[tuple[str, str], type[BaseModel]] = {}
# Besides the errors an operation's shape implies: creating the 11th webhook of an organisation is 409.
EXTRA_ERROR_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("POST", W): (409,),
}
