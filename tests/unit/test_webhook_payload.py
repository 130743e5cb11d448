"""What a webhook receiver gets for an event, and the docs' example for every event type."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

from services.notifier.webhooks.payload import event_timestamp, webhook_body, webhook_payload
from services.notifier.webhooks.views import events_text
from shared.events import EVENT_TYPES, Actor, Event

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _event() -> Event:
    return Event(
        id=uuid.UUID("6f1c2a8e-3b7d-4a52-9e0c-1d2f3a4b5c6d"),
        type="signer.added",
        occurredAt=datetime(2026, 5, 28, 12, 0, 0, 123456, tzinfo=UTC),
        orgId="org_1",
        documentId="c123",
        actor=Actor(type="api_key", id="key_1", ip="203.0.113.9", userAgent="curl/8"),
        data={"signer": {"id": "sr_1", "name": "Jane", "email": "jane@example.com", "role": "signer", "order": 0}},
    )


def test_the_body_has_the_references_event_and_data_and_no_personal_request_details() -> None:
    payload = webhook_payload(_event())
    assert payload == {
        "id": "6f1c2a8e-3b7d-4a52-9e0c-1d2f3a4b5c6d",
        "event": "signer.added",
        "createdAt": "2026-05-28T12:00:00.123Z",
        "actor": {"type": "api_key", "id": "key_1"},
        "data": {
            "documentId": "c123",
            "signer": {"id": "sr_1", "name": "Jane", "email": "jane@example.com", "role": "signer", "order": 0},
        },
    }
    assert b"203.0.113.9" not in webhook_body(_event()) and b"curl/8" not in webhook_body(_event())


def test_the_body_is_compact_json_and_the_timestamp_is_the_events() -> None:
    body = webhook_body(_event())
    assert orjson.loads(body) == webhook_payload(_event())
    assert b": " not in body and b", " not in body
    assert event_timestamp(_event()) == int(datetime(2026, 5, 28, 12, tzinfo=UTC).timestamp())


def test_events_are_answered_as_a_json_encoded_string_like_the_reference() -> None:
    assert (
        events_text(["document.completed", "document.declined", "signer.completed"])
        == '["document.completed","document.declined","signer.completed"]'
    )


def test_the_docs_show_an_example_body_for_every_public_event_type() -> None:
    text = DOCS.read_text()
    for event_type in sorted(EVENT_TYPES):
        match = re.search(rf"^### `{re.escape(event_type)}`\n[^#]*?```json\n(.*?)```", text, re.MULTILINE | re.DOTALL)
        assert match, f"docs/webhooks.md has no example for {event_type}"
        example = json.loads(match.group(1))
        assert example["event"] == event_type
        assert set(example) == set(webhook_payload(_event())), event_type
        assert "documentId" in example["data"], event_type
