"""`redirectUrl` of documents and signers through the gateway (docs/embedding.md#redirecturl):
stored and shown on create and PATCH, cleared with null, the signer's winning over the
document's in the signing session; anything but a plain https URL refused with a 422 naming
the property, and nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow: a fixture)

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
BAD = [
    "http://crm.example.com/done",
    "javascript:alert(1)",
    "JavaScript:alert(1)//https://x.example",
    "data:text/html,<script>alert(1)</script>",
    "//crm.example.com/done",
    "https:///path-only",
    "https://user:secret@crm.example.com/done",
    "https://crm.example.com/a b",
    "https://crm.example.com/\u0000",
    "https://crm.example.com:99999/",
    "https://crm.example.com/" + "a" * 2000,
    "",
]


def _refused(body: dict[str, Any]) -> None:
    assert body["type"].endswith("/validation-error")
    assert [e["field"] for e in body["errors"]] == ["redirectUrl"], body


# Each test creates, adds and patches with one property in question: the calls, written once.


async def create(flow: Flow, expected: int, **document: Any) -> dict[str, Any]:
    return await flow.call(flow.api, "POST", D, expected, json=document)


async def add_signer(flow: Flow, doc_id: str, expected: int, **signer: Any) -> dict[str, Any]:
    return await flow.call(flow.api, "POST", D + "/{id}/signers", expected, id=doc_id, json=signer)


async def patch_document(flow: Flow, doc_id: str, expected: int, **changes: Any) -> dict[str, Any]:
    return await flow.call(flow.api, "PATCH", D + "/{id}", expected, id=doc_id, json=changes)


async def patch_signer(flow: Flow, doc_id: str, signer_id: str, expected: int, **changes: Any) -> dict[str, Any]:
    path = D + "/{id}/signers/{signerId}"
    return await flow.call(flow.api, "PATCH", path, expected, id=doc_id, signerId=signer_id, json=changes)


async def test_documents_and_signers_keep_their_redirect_url(flow: Flow) -> None:
    created = await create(flow, 201, name="Redirected", redirectUrl="https://crm.example.com/deal/7?x=1")
    doc_id = created["data"]["id"]
    assert created["data"]["redirectUrl"] == "https://crm.example.com/deal/7?x=1"
    added = await add_signer(
        flow, doc_id, 201, email="rae@example.com", name="Rae", redirectUrl="https://crm.example.com/signer/rae"
    )
    signer_id = added["data"]["id"]
    assert added["data"]["redirectUrl"] == "https://crm.example.com/signer/rae"
    detail = await flow.document(doc_id)
    assert detail["redirectUrl"] == "https://crm.example.com/deal/7?x=1"
    assert detail["signers"][0]["redirectUrl"] == "https://crm.example.com/signer/rae"

    patched = await patch_document(flow, doc_id, 200, redirectUrl="https://crm.example.com/after")
    assert patched["data"]["redirectUrl"] == "https://crm.example.com/after"
    cleared = await patch_signer(flow, doc_id, signer_id, 200, redirectUrl=None)
    assert cleared["data"]["redirectUrl"] is None
    stored = await flow.db.fetchval("SELECT redirect_url FROM documents.signers WHERE id = $1", signer_id)
    assert stored is None


async def test_the_signing_session_carries_the_signers_redirect_url_else_the_documents(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        redirectUrl="https://crm.example.com/document",
        signers=[
            {"email": "own@example.com", "name": "Own", "order": 0, "redirectUrl": "https://crm.example.com/own"},
            {"email": "doc@example.com", "name": "Doc", "order": 1},
        ],
        fields=[signature(0), signature(1, y=500)],
    )
    await flow.send(doc_id)

    async def session(email: str) -> dict[str, Any]:
        token = await flow.embedded_link(doc_id, ids[email])
        return dict((await flow.as_signer("GET", "", 200, token))["data"])

    assert (await session("own@example.com"))["redirectUrl"] == "https://crm.example.com/own"
    assert (await session("doc@example.com"))["redirectUrl"] == "https://crm.example.com/document"
    await patch_document(flow, doc_id, 409, redirectUrl=None)  # sent: fixed

    plain, plain_ids = await flow.draft(
        signers=[{"email": "none@example.com", "name": "None", "order": 0}], fields=[signature(0)]
    )
    await flow.send(plain)
    token = await flow.embedded_link(plain, plain_ids["none@example.com"])
    assert (await flow.as_signer("GET", "", 200, token))["data"]["redirectUrl"] is None


@pytest.mark.parametrize("url", BAD)
async def test_a_bad_redirect_url_is_refused_and_nothing_is_stored(flow: Flow, url: str) -> None:
    before = await flow.db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", flow.api.org_id)
    _refused(await create(flow, 422, name="Refused", redirectUrl=url))
    after = await flow.db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", flow.api.org_id)
    assert after == before

    kept = "https://crm.example.com/kept"
    doc_id = (await create(flow, 201, name="Kept", redirectUrl=kept))["data"]["id"]
    _refused(await patch_document(flow, doc_id, 422, redirectUrl=url))
    signer_id = (await add_signer(flow, doc_id, 201, email="kim@example.com", name="Kim", redirectUrl=kept))["data"][
        "id"
    ]
    _refused(await add_signer(flow, doc_id, 422, email="lee@example.com", name="Lee", redirectUrl=url))
    _refused(await patch_signer(flow, doc_id, signer_id, 422, redirectUrl=url))
    detail = await flow.document(doc_id)
    assert detail["redirectUrl"] == kept
    assert [(s["email"], s["redirectUrl"]) for s in detail["signers"]] == [("kim@example.com", kept)]
