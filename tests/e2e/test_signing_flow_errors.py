"""What the signing API refuses, and that a token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.test_signing_flow import Flow, box, flow, png_data_url, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e


async def test_every_bad_value_is_named_and_nothing_is_recorded(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="parallel",
        signers=[
            {"email": "ann@example.com", "name": "Ann", "order": 0},
            {"email": "bob@example.com", "name": "Bob", "order": 1},
        ],
        fields=[
            signature(0),
            box("checkbox", 0, 100, width=20, height=20),
            box("dropdown", 0, 140, options=["A", "B"]),
            box("date", 0, 180),
            box("email", 0, 220),
            box("text", 0, 260, required=False),
            signature(1, y=500),
        ],
    )
    await flow.send(doc_id)
    fields = {(f["assignedTo"], f["type"]): f["id"] for f in await flow.field_ids(doc_id)}
    ann = await flow.link(ids["ann@example.com"])

    body = await flow.as_signer(
        "POST",
        "/sign",
        422,
        ann,
        json={
            "fields": [
                {"id": fields[(0, "signature")], "value": {"type": "drawn", "image": "data:image/png;base64,AAAA"}},
                {"id": fields[(0, "dropdown")], "value": "C"},
                {"id": fields[(0, "date")], "value": "31/12/2026"},
                {"id": fields[(0, "email")], "value": "me@example.com"},
                {"id": fields[(1, "signature")], "value": {"type": "typed", "text": "Not Bob"}},
                {"id": "fld_doesnotexist", "value": "x"},
            ]
        },
    )
    found = {e["field"]: e["message"] for e in body["errors"]}
    assert found.pop(f"fields.{fields[(0, 'signature')]}").startswith("image")
    assert found == {
        "consent": "Must be true: the signer agrees to sign electronically",
        f"fields.{fields[(0, 'dropdown')]}": "Must be one of: A, B",
        f"fields.{fields[(0, 'date')]}": "Must be an ISO date, YYYY-MM-DD",
        f"fields.{fields[(0, 'email')]}": "Filled in automatically; do not send a value",
        f"fields.{fields[(1, 'signature')]}": "Assigned to another signer",
        "fields.fld_doesnotexist": "No such field on this document",
        f"fields.{fields[(0, 'checkbox')]}": "Required",
    }
    not_json = await flow.as_signer("POST", "/sign", 422, ann, json={"consent": "yes", "fields": []})
    assert not_json["errors"][0]["field"] == "consent"

    document = await flow.document(doc_id)
    assert {s["email"]: s["status"] for s in document["signers"]}["ann@example.com"] == "pending"
    assert "signer.completed" not in await flow.event_types(doc_id)

    done = await flow.as_signer(
        "POST",
        "/sign",
        200,
        ann,
        json={
            "consent": True,
            "fields": [
                {"id": fields[(0, "signature")], "value": {"type": "drawn", "image": png_data_url()}},
                {"id": fields[(0, "checkbox")], "value": True},
                {"id": fields[(0, "dropdown")], "value": "B"},
                {"id": fields[(0, "date")], "value": "2026-12-31"},
            ],
        },
    )
    assert done["data"]["status"] == "completed"
    stored = {
        r["field_id"]: r["value"]
        for r in await flow.db.fetch(
            "SELECT field_id, value FROM documents.field_values WHERE document_id = $1", doc_id
        )
    }
    assert stored[fields[(0, "email")]] == "ann@example.com"  # filled in by the server
    assert stored[fields[(0, "date")]] == "2026-12-31" and fields[(0, "text")] not in stored


async def test_approvers_approve_and_signers_sign(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="parallel",
        signers=[
            {"email": "ann@example.com", "name": "Ann", "order": 0},
            {"email": "val@example.com", "name": "Val", "role": "approver", "order": 1},
        ],
        fields=[signature(0)],
    )
    await flow.send(doc_id)
    val = await flow.link(ids["val@example.com"])
    assert (await flow.as_signer("POST", "/sign", 409, val, json={"consent": True}))["type"].endswith("/wrong-role")
    await flow.as_signer("POST", "/approve", 200, val)  # approvers first, even in a parallel document
    assert (await flow.as_signer("POST", "/approve", 409, val))["type"].endswith("/signer-completed")
    ann = await flow.link(ids["ann@example.com"])
    assert (await flow.as_signer("POST", "/approve", 409, ann))["type"].endswith("/wrong-role")


async def test_no_token_in_any_log_line(flow: Flow, caplog: pytest.LogCaptureFixture) -> None:
    doc_id, ids = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    await flow.send(doc_id)
    token = await flow.link(ids["ann@example.com"])
    with caplog.at_level(logging.DEBUG):
        await flow.as_signer("GET", "", 200, token)
        await flow.as_signer("GET", "/file", 200, token)
        await flow.as_signer("POST", "/sign", 422, token, json={"consent": False})
        await flow.as_signer("POST", "/decline", 200, token, json={"reason": "No thanks"})
        await flow.as_signer("GET", "", 410, token)
    lines = [str(vars(record)) for record in caplog.records]
    assert any("/signing/[token]" in line for line in lines)  # the requests were logged, redacted
    assert not any(token in line for line in lines)
