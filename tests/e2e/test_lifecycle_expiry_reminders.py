"""Expiry (the sweep, or on the spot when a signer arrives first) and reminders (on request and
every reminderFrequency days)."""

from __future__ import annotations

import pytest

from services.documents.workers.sweeps import run_expiry_pass, run_reminder_pass
from tests.e2e.test_signing_flow import D, Flow, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e

PEOPLE = [
    {"email": "ann@example.com", "name": "Ann", "order": 0},
    {"email": "bob@example.com", "name": "Bob", "order": 1},
    {"email": "cat@example.com", "name": "Cat", "order": 2},
]
FIELDS = [signature(0), signature(1, y=500), signature(2, y=300)]


async def _past_deadline(flow: Flow, doc_id: str) -> None:
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 minute' WHERE id = $1", doc_id
    )


async def test_the_sweep_expires_documents_past_their_deadline(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="sequential", signers=PEOPLE, fields=FIELDS, expiresAt="2099-01-01T00:00:00Z"
    )
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])
    await _past_deadline(flow, doc_id)

    await run_expiry_pass(flow.db)
    assert await run_expiry_pass(flow.db) == 0  # nothing left to expire: each document expires once
    document = await flow.document(doc_id)
    assert document["status"] == "expired"
    body = await flow.as_signer("GET", "", 410, ann)
    assert body["type"].endswith("/document-expired")
    expired = [e for e in await flow.events(doc_id) if e["type"] == "document.expired"]
    assert len(expired) == 1 and expired[0]["actor"]["type"] == "system"
    assert [s["email"] for s in expired[0]["data"]["signers"]] == ["ann@example.com"]  # only Ann was invited
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 409, id=doc_id)


async def test_a_signer_arriving_after_the_deadline_finds_it_expired(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=PEOPLE[:1], fields=FIELDS[:1], expiresAt="2099-01-01T00:00:00Z")
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])
    await _past_deadline(flow, doc_id)
    body = await flow.as_signer("POST", "/sign", 410, ann, json={"consent": True, "fields": []})
    assert body["type"].endswith("/document-expired")
    assert (await flow.document(doc_id))["status"] == "expired"
    assert (await flow.event_types(doc_id)).count("document.expired") == 1


async def test_remind_reaches_whoever_is_on_turn(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signingType="sequential", signers=PEOPLE, fields=FIELDS)
    await flow.call(flow.api, "POST", D + "/{id}/remind", 409, id=doc_id)  # drafts have nobody to remind
    await flow.send(doc_id)
    reminded = await flow.call(flow.api, "POST", D + "/{id}/remind", 200, id=doc_id)
    assert reminded == {"data": {"id": doc_id, "remindedSigners": 1}}
    events = [e for e in await flow.events(doc_id) if e["type"] == "signer.reminded"]
    assert [e["data"]["signer"]["email"] for e in events] == ["ann@example.com"]
    assert events[0]["actor"]["type"] == "api_key"


async def test_the_reminder_sweep_follows_reminder_frequency(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signingType="parallel", signers=PEOPLE[:2], fields=FIELDS[:2], reminderFrequency=2)
    await flow.send(doc_id)
    await run_reminder_pass(flow.db)
    assert "signer.reminded" not in await flow.event_types(doc_id)  # invited just now: not due

    # Ann was invited three days ago; Bob was reminded yesterday.
    await flow.db.execute(
        "UPDATE documents.signers SET activated_at = now() - interval '3 days' WHERE document_id = $1", doc_id
    )
    await flow.db.execute(
        "UPDATE documents.signers SET last_reminded_at = now() - interval '1 day' WHERE id = $1", ids["bob@example.com"]
    )
    await run_reminder_pass(flow.db)
    await run_reminder_pass(flow.db)  # a second pass (another replica) finds nothing due
    events = [e for e in await flow.events(doc_id) if e["type"] == "signer.reminded"]
    assert [e["data"]["signer"]["email"] for e in events] == ["ann@example.com"]
    assert events[0]["actor"]["type"] == "system"

    # Once Ann signs she is never reminded again.
    ann = await flow.link(ids["ann@example.com"])
    field = next(f for f in await flow.field_ids(doc_id) if f["assignedTo"] == 0)
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        ann,
        json={"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": "Ann"}}]},
    )
    await flow.db.execute(
        "UPDATE documents.signers SET last_reminded_at = now() - interval '5 days' WHERE document_id = $1", doc_id
    )
    await run_reminder_pass(flow.db)
    events = [e for e in await flow.events(doc_id) if e["type"] == "signer.reminded"]
    assert [e["data"]["signer"]["email"] for e in events] == ["ann@example.com", "bob@example.com"]
