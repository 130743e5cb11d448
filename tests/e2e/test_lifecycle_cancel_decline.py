"""Cancel (by the sender) and decline (by a signer): the document stops, every link dies."""

from __future__ import annotations

import pytest

from tests.e2e.test_signing_flow import D, Flow, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e

PEOPLE = [
    {"email": "ann@example.com", "name": "Ann", "order": 0},
    {"email": "bob@example.com", "name": "Bob", "order": 1},
    {"email": "vic@example.com", "name": "Vic", "role": "viewer", "order": 2},
]


async def test_cancel_answers_like_the_reference_and_kills_every_link(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signingType="parallel", signers=PEOPLE, fields=[signature(0), signature(1, y=500)])
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 409, id=doc_id)  # a draft is not out for signature
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])
    fields = {f["assignedTo"]: f["id"] for f in await flow.field_ids(doc_id)}
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        ann,
        json={"consent": True, "fields": [{"id": fields[0], "value": {"type": "typed", "text": "Ann"}}]},
    )
    bob = await flow.link(ids["bob@example.com"])
    status, body = await flow.internal(f"/internal/signers/{ids['vic@example.com']}/signing-link")
    assert status == 409 and body["type"].endswith("/no-signing-link")  # viewers only get a copy

    cancelled = await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    # Ann had signed; only Bob was still to act (viewers never act).
    assert cancelled == {"data": {"id": doc_id, "status": "cancelled", "cancelledSigners": 1}}
    again = await flow.call(flow.api, "POST", D + "/{id}/cancel", 409, id=doc_id)
    assert "(the document is cancelled)" in again["detail"]

    for token in (ann, bob):
        for method, path in (("GET", ""), ("GET", "/file"), ("POST", "/decline")):
            body = await flow.as_signer(method, path, 410, token, json={"reason": "x"} if method == "POST" else None)
            assert body["type"].endswith("/document-cancelled")
    status, body = await flow.internal(f"/internal/signers/{ids['bob@example.com']}/signing-link")
    assert status == 409
    await flow.call(flow.api, "POST", D + "/{id}/remind", 409, id=doc_id)
    await flow.call(
        flow.api, "POST", D + "/{id}/signers/{signerId}/signing-url", 409, id=doc_id, signerId=ids["bob@example.com"]
    )

    events = await flow.events(doc_id)
    cancel_events = [e for e in events if e["type"] == "document.cancelled"]
    assert len(cancel_events) == 1
    assert [s["email"] for s in cancel_events[0]["data"]["signers"]] == ["bob@example.com"]
    assert cancel_events[0]["actor"]["type"] == "api_key"
    await flow.assert_no_token_in_events()


async def test_a_decline_declines_the_document(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signingType="parallel", signers=PEOPLE, fields=[signature(0), signature(1, y=500)])
    await flow.send(doc_id)
    ann, bob = await flow.link(ids["ann@example.com"]), await flow.link(ids["bob@example.com"])

    missing = await flow.as_signer("POST", "/decline", 422, bob, json={})
    assert missing["errors"][0]["field"] == "reason"
    declined = await flow.as_signer("POST", "/decline", 200, bob, json={"reason": "The amount is wrong"})
    assert declined["data"]["status"] == "declined" and declined["data"]["documentStatus"] == "declined"

    document = await flow.document(doc_id)
    assert document["status"] == "declined"
    assert {s["email"]: s["status"] for s in document["signers"]}["bob@example.com"] == "declined"
    for token in (ann, bob):
        body = await flow.as_signer("POST", "/sign", 410, token, json={"consent": True, "fields": []})
        assert body["type"].endswith("/document-declined")
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 409, id=doc_id)

    events = await flow.events(doc_id)
    signer_declined = [e for e in events if e["type"] == "signer.declined"]
    document_declined = [e for e in events if e["type"] == "document.declined"]
    assert len(signer_declined) == 1 and len(document_declined) == 1
    assert signer_declined[0]["data"]["reason"] == "The amount is wrong"
    assert signer_declined[0]["actor"] == {
        "type": "signer",
        "id": ids["bob@example.com"],
        "ip": "127.0.0.1",
        "userAgent": signer_declined[0]["actor"]["userAgent"],
    }
    assert document_declined[0]["data"]["signer"]["email"] == "bob@example.com"
    await flow.assert_no_token_in_events()


async def test_rotating_a_link_kills_the_old_one(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=PEOPLE[:1], fields=[signature(0)])
    await flow.send(doc_id)
    old = await flow.link(ids["ann@example.com"])
    rotated = await flow.call(
        flow.api, "POST", D + "/{id}/signers/{signerId}/signing-url", 200, id=doc_id, signerId=ids["ann@example.com"]
    )
    assert set(rotated["data"]) == {"signerId", "url", "expiresAt"}
    new = rotated["data"]["url"].rsplit("/", 1)[1]
    flow.tokens.add(new)
    assert new != old
    gone = await flow.as_signer("GET", "", 404, old)
    assert "not valid" in gone["detail"] and old not in str(gone)
    assert (await flow.as_signer("GET", "", 200, new))["data"]["signer"]["id"] == ids["ann@example.com"]
    assert await flow.link(ids["ann@example.com"]) == new
    await flow.as_signer("GET", "", 404, "x" * 43)
    await flow.as_signer("GET", "", 404, "not-a-token")
    status, _ = await flow.internal("/internal/signers/sr_unknown/signing-link")
    assert status == 404
    await flow.assert_no_token_in_events()
