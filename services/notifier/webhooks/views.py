"""Database rows -> response models (pure). snake_case columns become the API's camelCase here
and nowhere else; the secret column is never read by these functions except for `created`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from shared.contracts.webhooks import Delivery, DeliveryAttempt, Webhook, WebhookCreated

Row = Mapping[str, Any]


def events_text(events: Sequence[str]) -> str:
    """The reference answers `events` as a JSON-encoded string: `["a","b"]` without spaces."""
    return orjson.dumps(list(events)).decode()


def _common(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": events_text(row["events"]),
        "status": row["status"],
        "description": row["description"],
        "failureCount": row["failure_count"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def webhook(row: Row) -> Webhook:
    return Webhook(**_common(row))


def created(row: Row, secret: str) -> WebhookCreated:
    return WebhookCreated(**_common(row), secret=secret)


def attempt(row: Row) -> DeliveryAttempt:
    return DeliveryAttempt(
        attempt=row["attempt"],
        status=row["status"],
        responseCode=row["response_code"],
        durationMs=row["duration_ms"],
        error=row["error"],
        attemptedAt=row["attempted_at"],
    )


def delivery(row: Row, attempts: Sequence[Row]) -> Delivery:
    return Delivery(
        id=row["id"],
        webhookId=row["webhook_id"],
        event=row["event_type"],
        eventId=str(row["event_id"]),
        status=row["status"],
        attempts=row["attempts"],
        responseCode=row["last_response_code"],
        durationMs=row["last_duration_ms"],
        error=row["last_error"],
        lastAttemptAt=row["last_attempt_at"],
        nextAttemptAt=row["next_attempt_at"],
        createdAt=row["created_at"],
        attemptLog=[attempt(a) for a in attempts],
    )
