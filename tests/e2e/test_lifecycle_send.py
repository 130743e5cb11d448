"""POST /api/v1/documents/{id}/send: prerequisites, all problems in one 422, draft only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_signing_flow import D, Flow, box, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e


def errors_of(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


async def test_every_problem_is_named_in_one_answer(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="sequential",
        signers=[
            {"email": "ann@example.com", "name": "Ann", "order": 0},
            {"email": "amy@example.com", "name": "Amy", "order": 1},
            {"email": "abe@example.com", "name": "Abe", "order": 1},
            {"email": "val@example.com", "name": "Val", "role": "approver", "order": 2},
        ],
        fields=[
            signature(0, page=3),  # page 3 of a 2-page PDF
            box("text", 0, 780),  # runs off the bottom of page 1
            signature(1),  # order 1 is shared by Amy and Abe
            signature(5),  # nobody has order 5
            signature(2),  # approvers only approve
        ],
    )
    fields = {(f["assignedTo"], f["type"], f["page"], f["y"]): f["id"] for f in await flow.field_ids(doc_id)}
    body = await flow.send(doc_id, 422)
    found = errors_of(body)
    assert (
        found[f"fields.{fields[(0, 'signature', 3, 650)]}.page"] == "Page 3 does not exist; the document has 2 page(s)"
    )
    assert "does not fit inside page 1" in found[f"fields.{fields[(0, 'text', 1, 780)]}"]
    assert (
        "is shared by Amy <amy@example.com>, Abe <abe@example.com>"
        in found[f"fields.{fields[(1, 'signature', 1, 650)]}.assignedTo"]
    )
    assert found[f"fields.{fields[(5, 'signature', 1, 650)]}.assignedTo"] == "No signer has order 5"
    assert "only approves" in found[f"fields.{fields[(2, 'signature', 1, 650)]}.assignedTo"]
    assert f"signers.{ids['amy@example.com']}" in found and f"signers.{ids['abe@example.com']}" in found
    # Nothing changed: still a draft, no events of sending.
    assert (await flow.document(doc_id))["status"] == "draft"
    assert "document.sent" not in await flow.event_types(doc_id)


async def test_a_document_without_file_signers_or_fields_cannot_be_sent(flow: Flow) -> None:
    doc_id, _ = await flow.draft(signers=[], fields=[], pdf=False)
    body = await flow.send(doc_id, 422)
    found = errors_of(body)
    assert found["signers"] == "Add at least one signer" and found["fields"] == "Add at least one field"
    assert body["type"].endswith("/validation-error") and "file" in found


async def test_a_bad_file_is_named(flow: Flow) -> None:
    doc_id, _ = await flow.draft(
        signers=[{"email": "ann@example.com", "name": "Ann"}],
        fields=[signature(0)],
        pdf=b"%PDF-1.7\n this is not really a PDF",
    )
    found = errors_of(await flow.send(doc_id, 422))
    assert set(found) == {"file"}


async def test_send_is_for_drafts_only_and_answers_like_the_reference(flow: Flow) -> None:
    doc_id, _ = await flow.draft(
        signers=[
            {"email": "ann@example.com", "name": "Ann"},
            {"email": "vic@example.com", "name": "Vic", "role": "viewer"},
        ],
        fields=[signature(0)],
    )
    sent = await flow.send(doc_id)
    assert list(sent["data"]) == ["id", "status", "signerCount", "sentAt"]
    assert sent["data"]["signerCount"] == 2 and sent["data"]["sentAt"].endswith("Z")
    again = await flow.send(doc_id, 409)
    assert "Only draft documents can be sent" in again["detail"]
    # Sent documents cannot be edited any more.
    await flow.call(flow.api, "POST", D + "/{id}/fields", 409, id=doc_id, json=signature(0))
    assert (await flow.event_types(doc_id)).count("document.sent") == 1


async def test_send_needs_the_send_scope_and_the_callers_organisation(flow: Flow, make_api: Any) -> None:
    doc_id, _ = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    no_send = await make_api(scopes=["documents.read", "documents.write"])
    denied = await flow.call(no_send, "POST", D + "/{id}/send", 403, id=doc_id)
    assert "documents.send" in denied["detail"]
    other_org = await make_api(scopes=["*"])
    await flow.call(other_org, "POST", D + "/{id}/send", 404, id=doc_id)  # another organisation: not found
    await flow.call(flow.api, "POST", D + "/{id}/send", 404, id="cmissing00000000000000000")
    assert (await flow.document(doc_id))["status"] == "draft"
