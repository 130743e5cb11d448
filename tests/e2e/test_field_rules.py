"""Field rules through the gateway: validation rules checked at creation and enforced on signing,
formula fields computed on sign and stamped, payment fields refused, fields owned by signerId."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e
D = "/api/v1/documents"


async def _fields_of(flow: Flow, doc_id: str) -> list[dict[str, Any]]:
    return await flow.field_ids(doc_id)


async def test_bad_rules_payment_and_foreign_signers_are_refused_and_nothing_is_added(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    other_doc, other_ids = await flow.draft(signers=[{"email": "bob@example.com", "name": "Bob"}], fields=[])
    before = await _fields_of(flow, doc_id)

    async def refused(body: dict[str, Any], code: str = "validation-error") -> dict[str, str]:
        answer = await flow.call(flow.api, "POST", D + "/{id}/fields", 422, id=doc_id, json=body)
        assert answer["type"].endswith("/" + code), answer
        return {e["field"]: e["message"] for e in answer.get("errors", [])}

    payment = await refused(box("payment", 0, 100), "payment-unavailable")
    assert "payment provider" in payment["type"]
    assert (await refused(box("text", 0, 100, validation="([a-z")))["validation"].startswith(
        "Not a valid regular expression"
    )
    found = await refused(box("text", 0, 100, validation={"minLength": 9, "maxLength": 2, "min": 1}))
    assert set(found) == {"validation.minLength", "validation.min"}
    assert "formula" in await refused(box("formula", 0, 100))
    assert (await refused(box("formula", 0, 100, formula="__import__('os')")))["formula"].startswith("Only round")
    assert "formula" in await refused(box("text", 0, 100, formula="1 + 1"))
    # Another organisation's signer, or another document's, is not a signer of this document.
    assert (await refused(box("text", 0, 100, signerId=other_ids["bob@example.com"])))["signerId"] == (
        "No such signer on this document"
    )
    assert await _fields_of(flow, doc_id) == before
    assert [e for e in await flow.event_types(doc_id) if e == "field.added"] == ["field.added"]

    # A PATCH into a payment field is refused the same way, and the field stays as it was.
    (sig,) = before
    answer = await flow.call(
        flow.api, "PATCH", D + "/{id}/fields/{fieldId}", 422, id=doc_id, fieldId=sig["id"], json={"type": "payment"}
    )
    assert answer["type"].endswith("/payment-unavailable")
    assert await _fields_of(flow, doc_id) == before
    assert other_doc != doc_id and ids


async def test_rules_are_enforced_on_signing_and_formulas_are_stamped(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signers=[{"email": "ann@example.com", "name": "Ann Example"}],
        fields=[
            signature(0),
            box("text", 0, 100, label="Staff number", validation={"pattern": "^S\\d{4}$", "message": "S and 4 digits"}),
            box("number", 0, 140, label="Quantity", validation={"min": 1, "max": 50}),
            box("number", 0, 180, label="Unit price"),
        ],
    )
    by_label = {f["label"]: f["id"] for f in await _fields_of(flow, doc_id)}
    qty, price = by_label["Quantity"], by_label["Unit price"]
    total = await flow.call(
        flow.api,
        "POST",
        D + "/{id}/fields",
        201,
        id=doc_id,
        json=box("formula", 0, 220, label="Total", formula=f"round({qty} * {price} * 1.2, 2)"),
    )
    assert total["data"]["formula"] == f"round({qty} * {price} * 1.2, 2)"
    staff = next(f for f in await _fields_of(flow, doc_id) if f["label"] == "Staff number")
    assert staff["validation"] == {
        "pattern": "^S\\d{4}$",
        "minLength": None,
        "maxLength": None,
        "min": None,
        "max": None,
        "message": "S and 4 digits",
    }
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])
    sig = next(f["id"] for f in await _fields_of(flow, doc_id) if f["type"] == "signature")

    def body(staff_number: str, quantity: float) -> dict[str, Any]:
        return {
            "consent": True,
            "fields": [
                {"id": sig, "value": {"type": "typed", "text": "Ann Example"}},
                {"id": by_label["Staff number"], "value": staff_number},
                {"id": qty, "value": quantity},
                {"id": price, "value": 12.5},
            ],
        }

    bad = await flow.as_signer("POST", "/sign", 422, ann, json=body("X12", 51))
    assert {e["field"]: e["message"] for e in bad["errors"]} == {
        f"fields.{by_label['Staff number']}": "S and 4 digits",
        f"fields.{qty}": "Must be at most 50",
    }
    assert await flow.db.fetchval("SELECT count(*) FROM documents.field_values WHERE document_id = $1", doc_id) == 0
    assert (await flow.document(doc_id))["signers"][0]["status"] == "pending"

    forged = body("S1234", 3) | {"fields": [*body("S1234", 3)["fields"], {"id": total["data"]["id"], "value": 1}]}
    refused = await flow.as_signer("POST", "/sign", 422, ann, json=forged)
    assert refused["errors"] == [
        {"field": f"fields.{total['data']['id']}", "message": "Filled in automatically; do not send a value"}
    ]

    done = await flow.as_signer("POST", "/sign", 200, ann, json=body("S1234", 3))
    assert done["data"]["finalizing"] is True
    stored = await flow.db.fetchval("SELECT value FROM documents.field_values WHERE field_id = $1", total["data"]["id"])
    assert stored == 45  # round(3 * 12.5 * 1.2, 2)
    await flow.complete(doc_id)
    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    text = PdfReader(io.BytesIO(signed_pdf)).pages[0].extract_text()
    assert "S1234" in text and "45" in text


async def test_a_formula_reading_another_signers_field_cannot_be_sent(flow: Flow) -> None:
    doc_id, _ = await flow.draft(
        signers=[
            {"email": "ann@example.com", "name": "Ann", "order": 0},
            {"email": "bob@example.com", "name": "Bob", "order": 1},
        ],
        fields=[signature(0), signature(1, y=500), box("number", 1, 100, label="Bob's number")],
    )
    bobs = next(f["id"] for f in await _fields_of(flow, doc_id) if f["label"] == "Bob's number")
    formula = await flow.call(
        flow.api,
        "POST",
        D + "/{id}/fields",
        201,
        id=doc_id,
        json=box("formula", 0, 300, formula=f"{bobs} + fld_nothere"),
    )
    answer = await flow.send(doc_id, 422)
    found = [e["message"] for e in answer["errors"] if e["field"] == f"fields.{formula['data']['id']}.formula"]
    assert set(found) == {
        "fld_nothere is not a number field of this document",
        f"{bobs} is filled by another signer; a formula reads its own signer's",
    }
    assert (await flow.document(doc_id))["status"] == "draft"
