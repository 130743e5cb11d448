"""Request models and pure validation rules of the documents API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.documents.api.views import dump, form_field, list_item
from services.documents.domain import validation
from shared.contracts import document_requests as schemas
from shared.contracts import rules


def errors(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in err.value.errors()}


FUTURE = (datetime.now(UTC) + timedelta(days=30)).isoformat()
FIELD = {"type": "signature", "page": 1, "x": 100, "y": 650, "width": 200, "height": 60}


def test_document_create_defaults_and_normalising():
    body = schemas.DocumentCreate.model_validate(
        {"name": "  NDA - Acme Corp  ", "expiresAt": "2099-12-31T23:59:59.123456Z"}
    )
    assert body.name == "NDA - Acme Corp"
    assert body.signingType == "sequential"
    assert body.expiresAt == datetime(2099, 12, 31, 23, 59, 59, 123000, tzinfo=UTC)  # milliseconds kept
    assert body.message is None and body.folderId is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
        ({"name": "a", "signingType": "random"}, "signingType"),
        ({"name": "a", "message": "m" * 5001}, "message"),
        ({"name": "a", "expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"name": "a", "expiresAt": "next tuesday"}, "expiresAt"),
        ({"name": "a", "expiresAt": 4102444800}, "expiresAt"),
        ({"name": "a", "expiresAt": "9999-12-31T23:59:59-14:00"}, "expiresAt"),
        ({"name": "a", "folderId": "f" * 101}, "folderId"),
        ({"name": "a", "emailSubject": "s" * 201}, "emailSubject"),
        ({"name": "a", "emailMessage": "m" * 5001}, "emailMessage"),
        ({"name": "a", "reminderFrequency": 0}, "reminderFrequency"),
        ({"name": "a", "reminderFrequency": 31}, "reminderFrequency"),
        ({"name": "a", "reminderFrequency": "3"}, "reminderFrequency"),
        ({"name": "a", "otpMethod": "sms"}, "otpMethod"),
        ({"name": "a", "status": "completed"}, "status"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_document_create_rejects(data: dict[str, Any], field: str):
    assert field in errors(schemas.DocumentCreate, data)


def test_document_create_reports_every_bad_field_at_once():
    found = errors(schemas.DocumentCreate, {"name": "", "signingType": "x", "message": "m" * 5001, "extra": 1})
    assert set(found) == {"name", "signingType", "message", "extra"}


def test_document_update_rules():
    assert errors(schemas.DocumentUpdate, {}) == {"": "Value error, At least one property must be given"}
    assert "name" in errors(schemas.DocumentUpdate, {"name": None})
    assert "signingType" in errors(schemas.DocumentUpdate, {"signingType": None})
    cleared = schemas.DocumentUpdate.model_validate({"message": None, "expiresAt": None, "otpMethod": None})
    assert cleared.given() == {"message": None, "expiresAt": None, "otpMethod": None}
    assert schemas.DocumentUpdate.model_validate({"name": "B", "expiresAt": FUTURE}).given().keys() == {
        "name",
        "expiresAt",
    }


def test_signer_create():
    body = schemas.SignerCreate.model_validate({"email": "jane.smith@acme.com", "name": "Jane Smith"})
    assert (body.role, body.order, body.phone) == ("signer", 0, None)
    assert "email" in errors(schemas.SignerCreate, {"email": "not-an-email", "name": "x"})
    assert "email" in errors(schemas.SignerCreate, {"email": "a" * 64 + "@" + "b" * 190 + ".com", "name": "x"})
    assert "role" in errors(schemas.SignerCreate, {"email": "a@b.co", "name": "x", "role": "owner"})
    assert "order" in errors(schemas.SignerCreate, {"email": "a@b.co", "name": "x", "order": -1})
    assert "order" in errors(schemas.SignerCreate, {"email": "a@b.co", "name": "x", "order": 1.5})
    assert "phone" in errors(schemas.SignerCreate, {"email": "a@b.co", "name": "x", "phone": "1" * 21})
    assert "name" in errors(schemas.SignerCreate, {"email": "a@b.co"})
    assert "email" in errors(schemas.SignerUpdate, {"email": None})


def test_field_create_defaults():
    body = schemas.FieldCreate.model_validate(FIELD)
    assert (body.required, body.readOnly, body.assignedTo, body.options) == (True, False, 0, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "stamp2"}, "type"),
        ({"page": 0}, "page"),
        ({"x": -1}, "x"),
        ({"y": -0.5}, "y"),
        ({"width": 0}, "width"),
        ({"height": -3}, "height"),
        ({"x": 1e9}, "x"),
        ({"required": "yes"}, "required"),
        ({"readOnly": 1}, "readOnly"),
        ({"assignedTo": -1}, "assignedTo"),
        ({"label": "l" * 201}, "label"),
        ({"options": ["a"]}, "options"),  # signature fields take no options
    ],
)
def test_field_create_rejects(change: dict[str, Any], field: str):
    assert field in errors(schemas.FieldCreate, FIELD | change)


@pytest.mark.parametrize("field_type", ["dropdown", "radio_group", "checkbox_group"])
def test_choice_fields_need_options(field_type: str):
    assert errors(schemas.FieldCreate, FIELD | {"type": field_type}) == {
        "options": f"Value error, Required for {field_type} fields"
    }
    assert "options" in errors(schemas.FieldCreate, FIELD | {"type": field_type, "options": []})
    assert "options" in errors(schemas.FieldCreate, FIELD | {"type": field_type, "options": ["a", " "]})
    assert "options" in errors(schemas.FieldCreate, FIELD | {"type": field_type, "options": ["a", "a"]})
    assert "options" in errors(
        schemas.FieldCreate, FIELD | {"type": field_type, "options": [str(i) for i in range(101)]}
    )
    ok = schemas.FieldCreate.model_validate(FIELD | {"type": field_type, "options": [" Red ", "Blue"]})
    assert ok.options == ["Red", "Blue"]


def test_single_choice_default_must_be_an_option():
    assert "defaultValue" in errors(
        schemas.FieldCreate, FIELD | {"type": "dropdown", "options": ["a"], "defaultValue": "b"}
    )
    assert schemas.FieldCreate.model_validate(FIELD | {"type": "dropdown", "options": ["a"], "defaultValue": "a"})


def test_field_problems_of_merged_state():
    assert rules.field_problems("text", None, None) == {}
    assert rules.field_problems("text", ["a"], None) == {"options": "Not allowed for text fields"}
    assert rules.field_problems("radio_group", None, None) == {"options": "Required for radio_group fields"}
    assert rules.field_problems("radio_group", ["a"], "z") == {"defaultValue": "Must be one of the options"}
    assert rules.field_problems("checkbox_group", ["a"], "z") == {}


def test_all_25_field_types():
    assert len(rules.FIELD_TYPES) == 25 == len(set(rules.FIELD_TYPES))
    for field_type in rules.FIELD_TYPES:
        data = FIELD | {"type": field_type}
        if field_type in rules.OPTION_TYPES:
            data["options"] = ["one"]
        assert schemas.FieldCreate.model_validate(data).type == field_type


def test_like_escaping():
    assert validation.escape_like("50%_off\\") == "50\\%\\_off\\\\"
    assert validation.contains_pattern("a_b") == "%a\\_b%"


def test_changed_keeps_only_differences():
    assert validation.changed({"name": "A", "message": None}, {"name": "A", "message": "hi"}) == {"message": "hi"}
    assert validation.changed({"name": "A"}, {"name": "A"}) == {}


def test_timestamps_without_offset_are_utc():
    assert rules.parse_timestamp("2099-01-01T10:00:00") == datetime(2099, 1, 1, 10, tzinfo=UTC)
    assert rules.parse_timestamp("2099-01-01T10:00:00+02:00") == datetime(2099, 1, 1, 8, tzinfo=UTC)


def test_response_views_write_integral_points_as_integers():
    now = datetime(2026, 5, 28, 12, tzinfo=UTC)
    row = {
        "id": "fld_1",
        "type": "signature",
        "label": None,
        "page": 1,
        "x": 100.0,
        "y": 650.5,
        "width": 200.0,
        "height": 60.0,
        "required": True,
        "read_only": False,
        "assigned_to": 0,
        "placeholder": None,
        "default_value": None,
        "options": None,
        "validation": None,
        "field_group": None,
        "format": None,
        "document_id": "c1",
        "signer_id": None,
        "formula": None,
    }
    out = dump(form_field(row))
    assert (out["x"], out["y"], out["width"]) == (100, 650.5, 200) and isinstance(out["x"], int)
    doc = {
        "id": "c1",
        "name": "n",
        "status": "draft",
        "signing_type": "parallel",
        "expires_at": None,
        "folder_id": None,
        "created_at": now,
        "updated_at": now,
        "template_id": None,
        "campaign_id": None,
        "bulk_send_id": None,
        "file_size": None,
        "completed_at": None,
        "signer_count": 2,
        "field_count": 5,
        "attachment_count": 1,
    }
    item = dump(list_item(doc))
    assert item["_count"] == {"signers": 2, "fields": 5, "attachments": 1}
    assert item["createdAt"] == "2026-05-28T12:00:00.000Z"
    assert list(item) == [
        "id",
        "name",
        "status",
        "signingType",
        "fileSize",
        "expiresAt",
        "completedAt",
        "createdAt",
        "updatedAt",
        "templateId",
        "campaignId",
        "bulkSendId",
        "folderId",
        "_count",
    ]


def test_model_tables_cover_the_gateway_routes():
    from services.gateway.routes import ROUTES
    from shared.contracts.routes import OPERATIONS

    documents_routes = {(r.method, r.path) for r in ROUTES if r.service == "documents"}
    described = [op.key for op in OPERATIONS if op.service == "documents"]
    assert len(described) == len(set(described)), "a route is described twice"
    assert set(described) == documents_routes
    assert all(op.status == 204 or op.response is not None for op in OPERATIONS if op.key in documents_routes)
    requests = {op.key for op in OPERATIONS if op.service == "documents" and op.request is not None}
    assert {k for k in documents_routes if k[0] in ("POST", "PUT", "PATCH")} == requests
