"""Approvers "must approve the document before signers can sign" (api-signers.txt), in parallel
documents as in a sequential document's group: a signer acting first is refused and nothing of
theirs is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e


def _typed(field_id: str, text: str) -> dict[str, Any]:
    return {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": text}}]}


async def _signer_row(flow: Flow, signer_id: str) -> tuple[str, object]:
    row = await flow.db.fetchrow("SELECT status, signed_at FROM documents.signers WHERE id = $1", signer_id)
    return row["status"], row["signed_at"]


@pytest.mark.parametrize(("signing_type", "approver_order"), [("parallel", 1), ("sequential", 0)])
async def test_signers_wait_for_the_approver(flow: Flow, signing_type: str, approver_order: int) -> None:
    """Parallel: the approver is the whole document's gate. Sequential: an approver sharing the
    signer's order goes first within that group."""
    doc_id, ids = await flow.draft(
        signingType=signing_type,
        signers=[
            {"email": "sam@example.com", "name": "Sam Signer", "order": 0},
            {"email": "amy@example.com", "name": "Amy Approver", "role": "approver", "order": approver_order},
        ],
        fields=[],
    )
    # Sharing order 0 with the approver (sequential), Sam owns his field by id.
    owned = signature(0) | {"signerId": ids["sam@example.com"]}
    await flow.call(flow.api, "POST", "/api/v1/documents/{id}/fields", 201, id=doc_id, json=owned)
    (field,) = await flow.field_ids(doc_id)
    assert field["signerId"] == ids["sam@example.com"] and field["assignedTo"] == 0
    await flow.send(doc_id)
    invited = [e["data"]["signer"]["email"] for e in await flow.events(doc_id) if e["type"] == "signer.invited"]
    assert invited == ["amy@example.com"]

    # Sam's link, taken from the sender's embedded-signing URL: valid, but not Sam's turn yet.
    sam = await flow.embedded_link(doc_id, ids["sam@example.com"])
    assert (await flow.as_signer("GET", "", 200, sam))["data"]["isTurn"] is False
    before = await _signer_row(flow, ids["sam@example.com"])
    early = await flow.as_signer("POST", "/sign", 409, sam, json=_typed(field["id"], "Sam Signer"))
    assert early["type"].endswith("/not-your-turn")
    assert await _signer_row(flow, ids["sam@example.com"]) == before == ("pending", None)
    assert await flow.db.fetchval("SELECT count(*) FROM documents.field_values WHERE document_id = $1", doc_id) == 0
    assert "signer.completed" not in await flow.event_types(doc_id)

    amy = await flow.link(ids["amy@example.com"])
    approved = await flow.as_signer("POST", "/approve", 200, amy)
    assert approved["data"]["finalizing"] is False
    invited = [e["data"]["signer"]["email"] for e in await flow.events(doc_id) if e["type"] == "signer.invited"]
    assert invited == ["amy@example.com", "sam@example.com"]
    assert (await flow.as_signer("GET", "", 200, sam))["data"]["isTurn"] is True
    done = await flow.as_signer("POST", "/sign", 200, sam, json=_typed(field["id"], "Sam Signer"))
    assert done["data"]["finalizing"] is True
    await flow.assert_no_token_in_events()
