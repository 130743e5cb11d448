"""Core records → WPsigner bodies (services/gateway/wpsigner/shapes.py), against the reference's
examples: strings everywhere, `YYYY-MM-DD HH:MM:SS`, numeric ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.gateway.wpsigner import shapes
from shared.contracts.wpsigner import AuditEvent, DocumentDetail, DocumentRow, FormField, Signer

UTC = UTC
T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
T_SIGNED = datetime(2024, 1, 20, 15, 30, 45, 123000, tzinfo=UTC)


def row(**overrides: Any) -> dict[str, Any]:
    return {
        "number": 44,
        "id": "cabc",
        "name": "Employment Contract",
        "status": "completed",
        "anyViewed": True,
        "fileName": "contract.pdf",
        "pageCount": 5,
        "createdBy": "key_1",
        "expiresAt": datetime(2024, 3, 15, 12, tzinfo=UTC),
        "completedAt": T_SIGNED,
        "createdAt": T0,
        "updatedAt": T_SIGNED,
    } | overrides


def signer(**overrides: Any) -> Signer:
    return Signer.model_validate(
        {
            "number": 38,
            "id": "sr_john",
            "name": "John Doe",
            "email": "john@example.com",
            "role": "signer",
            "order": 1,
            "status": "completed",
            "viewedAt": datetime(2024, 1, 20, 14, tzinfo=UTC),
            "signedAt": T_SIGNED,
            "declinedAt": None,
            "declineReason": None,
            "createdAt": T0 + timedelta(minutes=5),
            "updatedAt": T_SIGNED,
        }
        | overrides
    )


def field(**overrides: Any) -> FormField:
    return FormField.model_validate(
        {
            "number": 74,
            "id": "fld_sig",
            "type": "signature",
            "label": None,
            "page": 5,
            "x": 90.0,
            "y": 276.9,
            "width": 200.0,
            "height": 60.0,
            "required": True,
            "readOnly": False,
            "assignedTo": 1,
            "placeholder": None,
            "defaultValue": None,
            "options": None,
            "value": None,
            "createdAt": T0,
            "updatedAt": T0,
        }
        | overrides
    )


def detail(**overrides: Any) -> DocumentDetail:
    return DocumentDetail.model_validate(
        row()
        | {
            "fileStatus": "verified",
            "fileErrorCode": None,
            "fileError": None,
            "documentHash": "8228aa40168a599d2296e1274eb9dc9d7982d93e40135b8ed9131f1b4e2de5f8",
            "signedFileHash": "x",
            "signers": [signer()],
            "fields": [field()],
        }
        | overrides
    )


def test_document_matches_the_seed_list_item() -> None:
    assert shapes.document(DocumentRow.model_validate(row())) == {
        "id": "44",
        "title": "Employment Contract",
        "status": "completed",
        "original_filename": "contract.pdf",
        "total_pages": "5",
        "expires_at": "2024-03-15 12:00:00",
        "completed_at": "2024-01-20 15:30:45",
        "created_at": "2024-01-15 10:00:00",
        "updated_at": "2024-01-20 15:30:45",
    }


def test_a_new_draft_matches_the_seed_create_answer() -> None:
    draft = shapes.document(
        DocumentRow.model_validate(
            row(status="draft", anyViewed=False, pageCount=None, expiresAt=None, completedAt=None)
        )
    )
    assert draft["status"] == "draft" and draft["total_pages"] is None
    assert draft["expires_at"] is None and draft["completed_at"] is None


def test_detail_matches_the_seed_get_answer() -> None:
    body = shapes.document_detail(detail(), "https://example.test/file")
    assert list(body)[-4:] == ["file_url", "file_hash", "signers", "fields"]
    assert body["file_url"] == "https://example.test/file"
    assert body["signers"] == [
        {
            "id": "38",
            "document_id": "44",
            "name": "John Doe",
            "email": "john@example.com",
            "role": "signer",
            "signing_order": "1",
            "status": "signed",
            "viewed_at": "2024-01-20 14:00:00",
            "signed_at": "2024-01-20 15:30:45",
            "declined_at": None,
            "decline_reason": None,
            "created_at": "2024-01-15 10:05:00",
            "updated_at": "2024-01-20 15:30:45",
        }
    ]
    assert body["fields"] == [
        {
            "id": "74",
            "document_id": "44",
            "signer_id": "38",
            "field_type": "signature",
            "page_number": "5",
            "position_x": "90.0",
            "position_y": "276.9",
            "width": "200",
            "height": "60",
            "is_required": "1",
        }
    ]


def test_signer_entry_matches_the_signers_api() -> None:
    pending = signer(
        number=39, name="Jane Smith", email="jane@example.com", order=2, status="pending", viewedAt=None, signedAt=None
    )
    assert shapes.signer_entry(pending, "https://x.test/sign/abc") == {
        "id": "39",
        "name": "Jane Smith",
        "email": "jane@example.com",
        "role": "signer",
        "signing_order": "2",
        "status": "pending",
        "viewed_at": None,
        "signed_at": None,
        "signing_url": "https://x.test/sign/abc",
    }


def test_field_entry_matches_the_fields_api() -> None:
    entry = shapes.field_entry(field(), 44, [signer()])
    assert entry == {
        "id": "74",
        "document_id": "44",
        "signer_id": "38",
        "field_type": "signature",
        "field_name": "",
        "page_number": "5",
        "position_x": "90.0",
        "position_y": "276.9",
        "width": "200",
        "height": "60",
        "value": "",
        "placeholder": "",
        "is_required": "1",
        "font_size": "",
        "font_family": "",
        "options": "",
        "created_at": "2024-01-15 10:00:00",
        "updated_at": "2024-01-15 10:00:00",
    }


def test_field_values_and_options() -> None:
    dropdown = field(type="dropdown", options=["Monthly", "Yearly"], value="Yearly", label="Plan", required=False)
    entry = shapes.field_entry(dropdown, 44, [signer()])
    assert entry["options"] == '["Monthly","Yearly"]' and entry["value"] == "Yearly"
    assert entry["field_name"] == "Plan" and entry["is_required"] == "0"
    assert shapes.field_entry(field(defaultValue="n/a"), 44, [])["value"] == "n/a"
    assert shapes.field_entry(field(), 44, [])["signer_id"] is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "1"),
        (False, "0"),
        (3, "3"),
        ("Acme", "Acme"),
        (["a", "b"], '["a","b"]'),
        ({"type": "typed", "text": "John Doe"}, "John Doe"),
        ({"type": "drawn", "image": "data:..."}, ""),
    ],
)
def test_value_text(value: Any, text: str) -> None:
    assert shapes.value_text(value) == text


def test_the_field_signer_is_the_participant_holding_the_order() -> None:
    viewer = signer(number=40, id="sr_v", role="viewer", order=1)
    approver = signer(number=41, id="sr_a", role="approver", order=2)
    assert shapes.field_signer(field(assignedTo=1), [viewer, signer()]) == "38"
    assert shapes.field_signer(field(assignedTo=2), [viewer, approver]) == "41"
    assert shapes.field_signer(field(assignedTo=7), [viewer, approver]) is None
    assert shapes.field_signer(field(assignedTo=None), [signer()]) is None


@pytest.mark.parametrize(("value", "text"), [(90.0, "90.0"), (276.9, "276.9"), (0, "0.0"), (12.25, "12.25")])
def test_positions_keep_a_decimal_point(value: float, text: str) -> None:
    assert shapes.position(value) == text


@pytest.mark.parametrize(("value", "text"), [(200.0, "200"), (60, "60"), (20.5, "20.5")])
def test_sizes_are_integers_when_integral(value: float, text: str) -> None:
    assert shapes.size(value) == text


def test_times_are_utc_without_fraction() -> None:
    assert (
        shapes.wp_time(datetime(2024, 1, 20, 17, 30, 45, 999000, tzinfo=timezone(timedelta(hours=2))))
        == "2024-01-20 15:30:45"
    )
    assert shapes.wp_time(datetime(2024, 1, 20, 15, 30, 45)) == "2024-01-20 15:30:45"
    assert shapes.wp_time(None) is None


@pytest.mark.parametrize(
    ("wp", "core"),
    [
        ("date", "date_signed"),
        ("date_picker", "date"),
        ("radio", "radio_group"),
        ("signature", "signature"),
        ("stamp", "stamp"),
        ("textarea", "textarea"),
    ],
)
def test_field_types_translate_both_ways(wp: str, core: str) -> None:
    assert shapes.core_field_type(wp) == core and shapes.wp_field_type(core) == wp


def event(
    action: str,
    actor: str = "api_key",
    actor_id: str | None = "key_1",
    ip: str | None = "192.168.1.100",
    agent: str | None = "Mozilla/5.0...",
) -> AuditEvent:
    return AuditEvent(action=action, createdAt=T0, actorType=actor, actorId=actor_id, ipAddress=ip, userAgent=agent)


def test_audit_trail_matches_the_seed() -> None:
    trail = shapes.audit_trail(
        detail(),
        [
            event("document.created"),
            event("signer.viewed", "signer", "sr_john", "203.0.113.50"),
            event("signer.completed", "signer", "sr_john", "203.0.113.50"),
            event("signer.declined", "signer", "sr_gone", "203.0.113.51"),  # a signer no longer on the document
            event("document.declined", "signer", "sr_gone"),
            event("document.completed", "system", None, None, None),
            event("field.added"),
        ],
    )
    assert trail["document"] == {
        "id": "44",
        "title": "Employment Contract",
        "file_hash": "8228aa40168a599d2296e1274eb9dc9d7982d93e40135b8ed9131f1b4e2de5f8",
    }
    assert trail["events"][0] == {
        "action": "document_created",
        "timestamp": "2024-01-15 10:00:00",
        "ip_address": "192.168.1.100",
        "user_agent": "Mozilla/5.0...",
    }
    assert trail["events"][1] == {
        "action": "document_viewed",
        "timestamp": "2024-01-15 10:00:00",
        "signer": "John Doe",
        "ip_address": "203.0.113.50",
        "user_agent": "Mozilla/5.0...",
    }
    assert [e["action"] for e in trail["events"]] == [
        "document_created",
        "document_viewed",
        "document_signed",
        "document_declined",
        "document_completed",
        "field_added",
    ]
    assert "signer" not in trail["events"][3]
    assert trail["events"][4]["ip_address"] is None
