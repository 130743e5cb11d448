"""Signers and fields through the gateway: shapes, ordering, limits, draft-only edits, events."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.conftest import Api
from tests.e2e.test_documents_api import D, create_document, org_writes, outbox_events, set_status

# The reference's keys, then ours (redirectUrl: docs/embedding.md#redirecturl; language: docs/languages.md).
SIGNER_CREATE_KEYS = ["id", "email", "name", "role", "status", "order", "createdAt", "redirectUrl", "language"]
SIGNER_KEYS = [
    "id",
    "email",
    "name",
    "role",
    "status",
    "order",
    "signedAt",
    "createdAt",
    "updatedAt",
    "redirectUrl",
    "language",
]
DETAIL_SIGNER_KEYS = [
    "id",
    "name",
    "email",
    "role",
    "status",
    "order",
    "signedAt",
    "createdAt",
    "redirectUrl",
    "language",
]
DETAIL_FIELD_KEYS = [
    "id",
    "type",
    "label",
    "page",
    "x",
    "y",
    "width",
    "height",
    "required",
    "readOnly",
    "assignedTo",
    "placeholder",
    "defaultValue",
    "options",
]
FIELD_KEYS = DETAIL_FIELD_KEYS + ["validation", "group", "format", "documentId", "signerId", "formula"]
SIGNATURE = {
    "type": "signature",
    "label": "Client Signature",
    "page": 1,
    "x": 100,
    "y": 650,
    "width": 200,
    "height": 60,
}


async def add_signer(api: Api, document_id: str, **body: Any) -> dict[str, Any]:
    status, resp, _ = await api.request("POST", f"{D}/{document_id}/signers", json=body)
    assert status == 201, resp
    return resp["data"]


async def add_field(api: Api, document_id: str, **body: Any) -> dict[str, Any]:
    status, resp, _ = await api.request("POST", f"{D}/{document_id}/fields", json=SIGNATURE | body)
    assert status == 201, resp
    return resp["data"]


async def test_signer_lifecycle_with_shapes_and_events(api: Api, db):
    doc = await create_document(api)
    jane = await add_signer(api, doc["id"], email="jane.smith@acme.com", name="Jane Smith", role="signer", order=0)
    assert list(jane) == SIGNER_CREATE_KEYS
    assert re.fullmatch(r"sr_[0-9a-z]{20}", jane["id"])
    assert jane | {"id": None, "createdAt": None} == {
        "id": None,
        "email": "jane.smith@acme.com",
        "name": "Jane Smith",
        "role": "signer",
        "status": "pending",
        "order": 0,
        "createdAt": None,
        "redirectUrl": None,
        "language": None,
    }
    john = await add_signer(
        api, doc["id"], email="john.doe@acme.com", name="John Doe", order=1, phone="+57 300 1234567"
    )
    approver = await add_signer(api, doc["id"], email="boss@acme.com", name="The Boss", role="approver")
    assert approver["order"] == 0 and john["role"] == "signer"

    status, body, _ = await api.request("GET", f"{D}/{doc['id']}/signers")
    assert status == 200 and list(body) == ["data"]
    assert [s["id"] for s in body["data"]] == [jane["id"], approver["id"], john["id"]]  # order, then creation
    assert list(body["data"][0]) == SIGNER_KEYS and body["data"][0]["signedAt"] is None

    status, body, _ = await api.request(
        "PATCH",
        f"{D}/{doc['id']}/signers/{john['id']}",
        json={"name": "John Q. Doe", "role": "viewer", "order": 1, "phone": None},
    )
    assert status == 200, body
    assert list(body["data"]) == SIGNER_KEYS
    assert (body["data"]["name"], body["data"]["role"]) == ("John Q. Doe", "viewer")

    status, body, _ = await api.request("DELETE", f"{D}/{doc['id']}/signers/{approver['id']}")
    assert status == 204
    status, body, _ = await api.request("GET", f"{D}/{doc['id']}")
    assert [s["id"] for s in body["data"]["signers"]] == [jane["id"], john["id"]]
    assert list(body["data"]["signers"][0]) == DETAIL_SIGNER_KEYS
    assert body["data"]["_count"]["signers"] == 2

    events = (await outbox_events(db, doc["id"]))[1:]
    assert [e["type"] for e in events] == ["signer.added"] * 3 + ["signer.updated", "signer.removed"]
    assert events[0]["data"] == {
        "signer": {
            "id": jane["id"],
            "name": "Jane Smith",
            "email": "jane.smith@acme.com",
            "role": "signer",
            "order": 0,
            "language": None,
        }
    }
    assert events[3]["data"] == {
        "signer": {
            "id": john["id"],
            "name": "John Q. Doe",
            "email": "john.doe@acme.com",
            "role": "viewer",
            "order": 1,
            "language": None,
        },
        "changes": ["name", "role", "phone"],  # order was already 1
    }
    assert events[4]["data"]["signer"]["id"] == approver["id"]
    assert all(e["actor"]["type"] == "api_key" and e["orgId"] == api.org_id for e in events)


async def test_signer_validation_and_duplicates(api: Api, db):
    doc = await create_document(api)
    await add_signer(api, doc["id"], email="Jane@Acme.com", name="Jane")
    writes = await org_writes(db, api.org_id)
    status, body, _ = await api.request(
        "POST",
        f"{D}/{doc['id']}/signers",
        json={"email": "not-an-email", "name": "", "role": "owner", "order": -1, "phone": "1" * 21, "extra": 1},
    )
    assert status == 422, body
    assert {e["field"] for e in body["errors"]} == {"email", "name", "role", "order", "phone", "extra"}
    status, body, _ = await api.request("POST", f"{D}/{doc['id']}/signers", json={"name": "No Email"})
    assert status == 422 and body["errors"] == [{"field": "email", "message": "Required"}]
    status, body, _ = await api.request(
        "POST", f"{D}/{doc['id']}/signers", json={"email": "jane@acme.com", "name": "Again"}
    )
    assert status == 409, body
    assert await org_writes(db, api.org_id) == writes


async def test_fifty_first_signer_is_refused(api: Api, db):
    doc = await create_document(api)
    for i in range(50):
        await add_signer(api, doc["id"], email=f"s{i}@example.com", name=f"Signer {i}")
    writes = await org_writes(db, api.org_id)
    status, body, _ = await api.request(
        "POST", f"{D}/{doc['id']}/signers", json={"email": "late@example.com", "name": "Late"}
    )
    assert status == 409 and "50" in body["detail"]
    assert await org_writes(db, api.org_id) == writes


async def test_sixty_concurrent_adds_end_with_exactly_fifty(api: Api, db):
    doc = await create_document(api)
    results = await asyncio.gather(
        *(
            api.request("POST", f"{D}/{doc['id']}/signers", json={"email": f"c{i}@example.com", "name": f"C {i}"})
            for i in range(60)
        )
    )
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [201] * 50 + [409] * 10
    assert await db.fetchval("SELECT count(*) FROM documents.signers WHERE document_id = $1", doc["id"]) == 50
    events = await outbox_events(db, doc["id"])
    assert [e["type"] for e in events].count("signer.added") == 50


async def test_field_lifecycle_with_shapes_order_and_events(api: Api, db):
    doc = await create_document(api)
    low = await add_field(api, doc["id"], page=1, x=300, y=700)
    top_right = await add_field(
        api, doc["id"], type="date_signed", label=None, page=1, x=400, y=50.5, width=120, height=20
    )
    top_left = await add_field(
        api,
        doc["id"],
        type="text",
        page=1,
        x=50,
        y=50.5,
        placeholder="Company",
        assignedTo=1,
        validation="^[A-Z]",
        group="g1",
        format="upper",
    )
    page2 = await add_field(
        api,
        doc["id"],
        type="dropdown",
        page=2,
        x=0,
        y=0,
        options=["Red", "Blue"],
        defaultValue="Blue",
        required=False,
        readOnly=True,
    )
    assert list(low) == FIELD_KEYS
    assert re.fullmatch(r"fld_[0-9a-z]{20}", low["id"])
    assert low | {"id": None} == SIGNATURE | {
        "id": None,
        "x": 300,
        "y": 700,
        "required": True,
        "readOnly": False,
        "assignedTo": 0,
        "placeholder": None,
        "defaultValue": None,
        "options": None,
        "validation": None,
        "group": None,
        "format": None,
        "documentId": doc["id"],
        "signerId": None,
        "formula": None,
    }
    assert isinstance(low["x"], int) and top_left["y"] == 50.5
    assert (top_left["validation"], top_left["group"], top_left["format"]) == ("^[A-Z]", "g1", "upper")
    assert page2["options"] == ["Red", "Blue"] and page2["defaultValue"] == "Blue"

    status, body, _ = await api.request("GET", f"{D}/{doc['id']}/fields")
    assert status == 200 and list(body) == ["data"]
    assert [f["id"] for f in body["data"]] == [top_left["id"], top_right["id"], low["id"], page2["id"]]

    status, body, _ = await api.request(
        "PATCH", f"{D}/{doc['id']}/fields/{low['id']}", json={"y": 10, "label": "Renamed", "required": True}
    )
    assert status == 200, body
    assert list(body["data"]) == FIELD_KEYS and (body["data"]["y"], body["data"]["label"]) == (10, "Renamed")
    status, body, _ = await api.request("DELETE", f"{D}/{doc['id']}/fields/{top_right['id']}")
    assert status == 204
    status, body, _ = await api.request("GET", f"{D}/{doc['id']}")
    assert [f["id"] for f in body["data"]["fields"]] == [low["id"], top_left["id"], page2["id"]]
    assert list(body["data"]["fields"][0]) == DETAIL_FIELD_KEYS
    assert body["data"]["_count"]["fields"] == 3

    events = (await outbox_events(db, doc["id"]))[1:]
    assert [e["type"] for e in events] == ["field.added"] * 4 + ["field.updated", "field.removed"]
    assert events[0]["data"] == {
        "field": {"id": low["id"], "type": "signature", "label": "Client Signature", "page": 1, "assignedTo": 0}
    }
    assert events[4]["data"] == {
        "field": {"id": low["id"], "type": "signature", "label": "Renamed", "page": 1, "assignedTo": 0},
        "changes": ["label", "y"],
    }
    assert events[5]["data"]["field"]["id"] == top_right["id"]


async def test_field_options_rules(api: Api, db):
    doc = await create_document(api)
    writes = await org_writes(db, api.org_id)
    for body, field in (
        ({"type": "dropdown"}, "options"),
        ({"type": "radio_group", "options": []}, "options"),
        ({"type": "checkbox_group", "options": ["a", ""]}, "options.1"),
        ({"type": "text", "options": ["a"]}, "options"),
        ({"type": "dropdown", "options": ["a"], "defaultValue": "b"}, "defaultValue"),
    ):
        status, resp, _ = await api.request("POST", f"{D}/{doc['id']}/fields", json=SIGNATURE | body)
        assert status == 422, (body, resp)
        assert field in [e["field"] for e in resp["errors"]], resp
    status, resp, _ = await api.request(
        "POST",
        f"{D}/{doc['id']}/fields",
        json={"type": "stamp2", "page": 0, "x": -1, "y": "2", "width": 0, "height": None, "required": "yes"},
    )
    assert status == 422
    assert {e["field"] for e in resp["errors"]} == {"type", "page", "x", "y", "width", "height", "required"}
    assert await org_writes(db, api.org_id) == writes

    choice = await add_field(api, doc["id"], type="radio_group", options=["Yes", "No"])
    path = f"{D}/{doc['id']}/fields/{choice['id']}"
    # The rules hold for the field as it would be after the change.
    for patch, field in (
        ({"type": "text"}, "options"),
        ({"options": None}, "options"),
        ({"defaultValue": "Maybe"}, "defaultValue"),
        ({"page": None}, "page"),
        ({}, "body"),
    ):
        status, resp, _ = await api.request("PATCH", path, json=patch)
        assert status == 422, (patch, resp)
        assert [e["field"] for e in resp["errors"]] == [field], resp
    status, resp, _ = await api.request("PATCH", path, json={"type": "text", "options": None})
    assert status == 200 and (resp["data"]["type"], resp["data"]["options"]) == ("text", None)


async def test_fields_are_capped_at_five_hundred(api: Api, db):
    doc = await create_document(api)
    await db.execute(
        """INSERT INTO documents.fields (id, document_id, type, page, x, y, width, height)
           SELECT 'fld_bulk' || n, $1, 'text', 1, 0, n, 10, 10 FROM generate_series(1, 499) AS n""",
        doc["id"],
    )
    await add_field(api, doc["id"])
    status, body, _ = await api.request("POST", f"{D}/{doc['id']}/fields", json=SIGNATURE)
    assert status == 409 and "500" in body["detail"]
    assert await db.fetchval("SELECT count(*) FROM documents.fields WHERE document_id = $1", doc["id"]) == 500


async def test_signers_and_fields_only_change_while_draft(api: Api, db):
    doc = await create_document(api)
    signer = await add_signer(api, doc["id"], email="a@example.com", name="A")
    field = await add_field(api, doc["id"])
    writes = await org_writes(db, api.org_id)
    attempts = (
        ("POST", f"{D}/{doc['id']}/signers", {"email": "b@example.com", "name": "B"}),
        ("PATCH", f"{D}/{doc['id']}/signers/{signer['id']}", {"name": "Changed"}),
        ("DELETE", f"{D}/{doc['id']}/signers/{signer['id']}", None),
        ("POST", f"{D}/{doc['id']}/fields", SIGNATURE),
        ("PATCH", f"{D}/{doc['id']}/fields/{field['id']}", {"x": 1}),
        ("DELETE", f"{D}/{doc['id']}/fields/{field['id']}", None),
    )
    for status_name in ("pending", "action_required", "completed"):
        await set_status(db, doc["id"], status_name)
        for method, path, payload in attempts:
            status, body, _ = await api.request(method, path, json=payload)
            assert status == 409, (status_name, method, path, body)
            assert status_name in body["detail"]
    assert await org_writes(db, api.org_id) == writes
    # Reading is always allowed.
    assert (await api.request("GET", f"{D}/{doc['id']}/signers"))[0] == 200
    assert (await api.request("GET", f"{D}/{doc['id']}/fields"))[0] == 200


async def test_signers_and_fields_of_other_documents_and_organisations_are_404(make_api, db):
    owner, stranger = await make_api(), await make_api()
    doc = await create_document(owner)
    other_doc = await create_document(owner, "Other")
    signer = await add_signer(owner, doc["id"], email="a@example.com", name="A")
    field = await add_field(owner, doc["id"])
    writes = await org_writes(db, owner.org_id)
    checks = []
    for api, doc_id in ((stranger, doc["id"]), (owner, other_doc["id"])):
        checks += [
            (api, "PATCH", f"{D}/{doc_id}/signers/{signer['id']}", {"name": "X"}),
            (api, "DELETE", f"{D}/{doc_id}/signers/{signer['id']}", None),
            (api, "PATCH", f"{D}/{doc_id}/fields/{field['id']}", {"x": 5}),
            (api, "DELETE", f"{D}/{doc_id}/fields/{field['id']}", None),
        ]
    checks += [
        (stranger, "POST", f"{D}/{doc['id']}/fields", SIGNATURE),
        (owner, "PATCH", f"{D}/{doc['id']}/signers/sr_{'0' * 20}", {"name": "X"}),
        (owner, "DELETE", f"{D}/{doc['id']}/fields/not$an$id", None),
        (owner, "PATCH", f"{D}/{doc['id']}/fields/{'f' * 65}", {"x": 5}),
    ]
    for api, method, path, payload in checks:
        status, body, _ = await api.request(method, path, json=payload)
        assert status == 404, (method, path, body)
        assert body["type"] == "https://docs.insigner.com/errors/not-found"
    assert await org_writes(db, owner.org_id) == writes
