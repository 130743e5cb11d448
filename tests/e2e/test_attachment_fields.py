"""`attachment` fields: the signer uploads a file (judged like any upload) into their own field,
the field's value is that file on signing, and the file follows the document in the signed PDF."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from tests.e2e.test_attachments_api import form
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)
from tests.pdf_corpus import LETTER, html_page, make_image, make_pdf

pytestmark = pytest.mark.e2e
UPLOAD = "/fields/{fieldId}/attachment"


async def test_a_signer_uploads_into_their_field_and_it_is_appended(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="sequential",
        signers=[
            {"email": "ann@example.com", "name": "Ann", "order": 0},
            {"email": "bob@example.com", "name": "Bob", "order": 1},
        ],
        fields=[signature(0), box("attachment", 0, 100, label="ID scan"), signature(1, y=500)],
    )
    fields = {(f["assignedTo"], f["type"]): f["id"] for f in await flow.field_ids(doc_id)}
    scan_field = fields[(0, "attachment")]
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])
    typed = {"id": fields[(0, "signature")], "value": {"type": "typed", "text": "Ann"}}
    sign = {"consent": True, "fields": [typed]}

    # Signing without the required file is refused, naming the field; nothing is recorded.
    missing = await flow.as_signer("POST", "/sign", 422, ann, json=sign)
    assert [e["field"] for e in missing["errors"]] == [f"fields.{scan_field}"]
    # A value in the request is not how a file arrives.
    forged = {"consent": True, "fields": [typed, {"id": scan_field, "value": "x"}]}
    assert (await flow.as_signer("POST", "/sign", 422, ann, json=forged))["errors"][0]["message"].startswith("Upload")
    # Not a file type we take: refused, nothing stored.
    bad = await flow.as_signer("POST", UPLOAD, 422, ann, fieldId=scan_field, data=form(html_page(), "scan.pdf"))
    assert bad["type"].endswith("/attachment-type")
    # Another signer's field, or one that takes no file.
    await flow.as_signer(
        "POST", UPLOAD, 404, ann, fieldId=fields[(1, "signature")], data=form(make_pdf([LETTER]), "x.pdf")
    )
    wrong = await flow.as_signer(
        "POST", UPLOAD, 422, ann, fieldId=fields[(0, "signature")], data=form(make_pdf([LETTER]), "x.pdf")
    )
    assert wrong["type"].endswith("/not-an-attachment-field")
    assert await flow.db.fetchval("SELECT count(*) FROM documents.attachments WHERE document_id = $1", doc_id) == 0
    # Bob's turn has not come: he cannot upload yet.
    bob = await flow.embedded_link(doc_id, ids["bob@example.com"])

    first = await flow.as_signer("POST", UPLOAD, 201, ann, fieldId=scan_field, data=form(make_pdf([LETTER]), "old.pdf"))
    again = await flow.as_signer("POST", UPLOAD, 201, ann, fieldId=scan_field, data=form(make_image("PNG"), "scan.png"))
    assert again["data"]["fileName"] == "scan.png" and again["data"]["pageCount"] == 1
    rows = await flow.db.fetch(
        "SELECT id, field_id, signer_id FROM documents.attachments WHERE document_id = $1", doc_id
    )
    assert [(r["id"], r["field_id"], r["signer_id"]) for r in rows] == [
        (again["data"]["id"], scan_field, ids["ann@example.com"])
    ]  # replaced, not added
    assert first["data"]["id"] != again["data"]["id"]
    assert [a["id"] for a in (await flow.as_signer("GET", "", 200, ann))["data"]["attachments"]] == [
        again["data"]["id"]
    ]

    await flow.as_signer("POST", "/sign", 200, ann, json=sign)
    stored = await flow.db.fetchval("SELECT value FROM documents.field_values WHERE field_id = $1", scan_field)
    assert stored["attachmentId"] == again["data"]["id"] and stored["fileName"] == "scan.png"
    # Bob does not see Ann's upload, and cannot fetch it.
    assert (await flow.as_signer("GET", "", 200, bob))["data"]["attachments"] == []
    await flow.as_signer("GET", "/attachments/{attId}", 404, bob, attId=again["data"]["id"])
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        bob,
        json={"consent": True, "fields": [{"id": fields[(1, "signature")], "value": {"type": "typed", "text": "Bob"}}]},
    )
    completed = await flow.complete(doc_id)
    status, signed_pdf, _ = await flow.api.request("GET", f"/api/v1/documents/{doc_id}/download")
    assert status == 200 and hashlib.sha256(signed_pdf).hexdigest() == completed["signedFileHash"]
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(signed_pdf)).pages]
    assert "Attached: scan.png" in pages[0]
    assert "Certificate of Completion" in pages[3]  # 2 pages, the scan, then the certificate
    sha = await flow.db.fetchval("SELECT sha256 FROM documents.attachments WHERE id = $1", again["data"]["id"])
    assert sha in "".join(pages[3:]).replace("\n", "")
