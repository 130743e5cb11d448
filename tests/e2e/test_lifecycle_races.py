"""Concurrent commands on one document end in one consistent state with one set of events."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.e2e.test_signing_flow import D, Flow, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e

TWO = [{"email": "ann@example.com", "name": "Ann", "order": 0}, {"email": "bob@example.com", "name": "Bob", "order": 1}]
TWO_FIELDS = [signature(0), signature(1, y=500)]


def typed(field_id: str, text: str) -> dict[str, Any]:
    return {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": text}}]}


async def test_send_and_cancel_race(flow: Flow) -> None:
    for _ in range(4):
        doc_id, _ = await flow.draft(signers=TWO, fields=TWO_FIELDS, signingType="parallel")
        sent, cancelled = await asyncio.gather(
            flow.call(flow.api, "POST", D + "/{id}/send", (200, 409), id=doc_id),
            flow.call(flow.api, "POST", D + "/{id}/cancel", (200, 409), id=doc_id),
        )
        status = (await flow.document(doc_id))["status"]
        types = Counter(await flow.event_types(doc_id))
        assert "data" in sent  # a draft is always sendable; only the cancel may lose
        if "data" in cancelled:
            assert status == "cancelled" and types["document.cancelled"] == 1
        else:
            assert status == "pending" and types["document.cancelled"] == 0
        assert types["document.sent"] == 1 and types["signer.invited"] == 2


async def test_two_sends_and_two_cancels_each_win_once(flow: Flow) -> None:
    doc_id, _ = await flow.draft(signers=TWO, fields=TWO_FIELDS, signingType="parallel")
    results = await asyncio.gather(
        *[flow.call(flow.api, "POST", D + "/{id}/send", (200, 409), id=doc_id) for _ in range(3)]
    )
    assert sum("data" in r for r in results) == 1
    results = await asyncio.gather(
        *[flow.call(flow.api, "POST", D + "/{id}/cancel", (200, 409), id=doc_id) for _ in range(3)]
    )
    assert sum("data" in r for r in results) == 1
    types = Counter(await flow.event_types(doc_id))
    assert types["document.sent"] == 1 and types["document.cancelled"] == 1 and types["signer.invited"] == 2


async def test_sign_and_decline_by_one_signer_race(flow: Flow) -> None:
    for _ in range(3):
        doc_id, ids = await flow.draft(signers=TWO, fields=TWO_FIELDS, signingType="parallel")
        await flow.send(doc_id)
        field = next(f["id"] for f in await flow.field_ids(doc_id) if f["assignedTo"] == 0)
        ann = await flow.link(ids["ann@example.com"])
        signed, declined = await asyncio.gather(
            flow.as_signer("POST", "/sign", (200, 409, 410), ann, json=typed(field, "Ann")),
            flow.as_signer("POST", "/decline", (200, 409), ann, json={"reason": "Changed my mind"}),
        )
        assert ("data" in signed) != ("data" in declined)  # exactly one wins
        document = await flow.document(doc_id)
        types = Counter(await flow.event_types(doc_id))
        if "data" in signed:
            assert document["status"] == "pending" and types["signer.completed"] == 1 and types["signer.declined"] == 0
        else:
            assert (
                document["status"] == "declined" and types["signer.declined"] == 1 and types["document.declined"] == 1
            )
            assert types["signer.completed"] == 0


async def test_sign_and_cancel_race(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=TWO[:1], fields=TWO_FIELDS[:1])
    await flow.send(doc_id)
    field = (await flow.field_ids(doc_id))[0]["id"]
    ann = await flow.link(ids["ann@example.com"])
    signed, cancelled = await asyncio.gather(
        flow.as_signer("POST", "/sign", (200, 410), ann, json=typed(field, "Ann")),
        flow.call(flow.api, "POST", D + "/{id}/cancel", (200, 409), id=doc_id),
    )
    assert ("data" in signed) != ("data" in cancelled)  # signing everything and cancelling exclude each other
    types = Counter(await flow.event_types(doc_id))
    if "data" in signed:
        assert cancelled["type"].endswith("/document-completing")
        assert (await flow.complete(doc_id))["status"] == "completed" and types["document.cancelled"] == 0
    else:
        assert signed["type"].endswith("/document-cancelled") and types["signer.completed"] == 0


async def test_the_last_two_signers_racing_complete_the_document_once(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=TWO, fields=TWO_FIELDS, signingType="parallel")
    await flow.send(doc_id)
    fields = {f["assignedTo"]: f["id"] for f in await flow.field_ids(doc_id)}
    ann, bob = await flow.link(ids["ann@example.com"]), await flow.link(ids["bob@example.com"])
    results = await asyncio.gather(
        flow.as_signer("POST", "/sign", 200, ann, json=typed(fields[0], "Ann")),
        flow.as_signer("POST", "/sign", 200, bob, json=typed(fields[1], "Bob")),
    )
    assert sorted(r["data"]["finalizing"] for r in results) == [False, True]
    completed = await flow.complete(doc_id)
    assert completed["status"] == "completed"
    types = Counter(await flow.event_types(doc_id))
    assert types["signer.completed"] == 2 and types["document.completed"] == 1
    await flow.assert_no_token_in_events()
