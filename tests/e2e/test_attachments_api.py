"""Attachments through the gateway (api-attachments.txt): list, multipart upload judged like any
upload, delete while draft; refusals leave the document's attachments and storage unchanged."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import aiohttp
import pytest
from pypdf import PdfReader

from services.documents.adapters.storage import STORAGE
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.pdf_corpus import LETTER, encrypted, html_page, make_image, make_pdf

pytestmark = pytest.mark.e2e
D = "/api/v1/documents"
ATT = D + "/{id}/attachments"
KEYS = ["id", "fileName", "fileSize", "mimeType", "order", "createdAt", "sha256", "uploadedType"]


def form(data: bytes, filename: str, content_type: str = "application/octet-stream") -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename=filename, content_type=content_type)
    return body


async def listed(flow: Flow, doc_id: str, api: Any = None) -> list[dict[str, Any]]:
    return (await flow.call(api or flow.api, "GET", ATT, 200, id=doc_id))["data"]


async def stored_keys(flow: Flow, doc_id: str) -> list[str]:
    rows = await flow.db.fetch("SELECT file_key FROM documents.attachments WHERE document_id = $1", doc_id)
    return sorted(r["file_key"] for r in rows)


async def object_exists(flow: Flow, key: str) -> bool:
    return await flow.system.services["documents"].app[STORAGE].head(key) is not None


async def test_upload_list_show_and_delete(flow: Flow) -> None:
    doc_id, _ = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    terms = make_pdf([LETTER], text="Terms and conditions")
    added = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(terms, "terms-and-conditions.pdf")))[
        "data"
    ]
    assert list(added) == KEYS
    assert added["id"].startswith("att_") and added["fileName"] == "terms-and-conditions.pdf"
    assert (added["mimeType"], added["uploadedType"], added["order"]) == ("application/pdf", "application/pdf", 0)
    assert added["fileSize"] == len(terms)

    photo = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(make_image("PNG"), "../id card.png")))[
        "data"
    ]
    # An image is converted to a one-page PDF; the name loses its path and unsafe characters.
    assert (photo["fileName"], photo["mimeType"], photo["uploadedType"], photo["order"]) == (
        "id_card.png",
        "application/pdf",
        "image/png",
        1,
    )
    key = await flow.db.fetchval("SELECT file_key FROM documents.attachments WHERE id = $1", photo["id"])
    async with flow.system.services["documents"].app[STORAGE].stream(key) as obj:
        stored = b"".join([chunk async for chunk in obj.chunks()])
    assert len(PdfReader(io.BytesIO(stored)).pages) == 1 and photo["fileSize"] == len(stored)

    assert [a["id"] for a in await listed(flow, doc_id)] == [added["id"], photo["id"]]
    document = await flow.document(doc_id)
    assert [a["id"] for a in document["attachments"]] == [added["id"], photo["id"]]
    assert document["_count"]["attachments"] == 2
    listing = await flow.call(flow.api, "GET", D, 200)
    assert next(d for d in listing["data"] if d["id"] == doc_id)["_count"]["attachments"] == 2

    await flow.call(flow.api, "DELETE", ATT + "/{attId}", 204, id=doc_id, attId=photo["id"])
    assert [a["id"] for a in await listed(flow, doc_id)] == [added["id"]]
    assert not await object_exists(flow, key)
    await flow.call(flow.api, "DELETE", ATT + "/{attId}", 404, id=doc_id, attId=photo["id"])
    types = await flow.event_types(doc_id)
    assert types.count("attachment.added") == 2 and types.count("attachment.removed") == 1


async def test_bad_files_and_the_sixth_are_refused_and_nothing_is_stored(flow: Flow) -> None:
    doc_id, _ = await flow.draft(signers=[], fields=[])

    async def refused(status: int, data: Any, code: str | None = None) -> dict[str, Any]:
        body = await flow.call(flow.api, "POST", ATT, status, id=doc_id, data=data)
        if code:
            assert body["type"].endswith("/" + code), body
        return body

    await refused(422, form(html_page(), "terms.pdf", "application/pdf"), "attachment-type")
    bad = await refused(422, form(encrypted(), "locked.pdf"), "file-invalid")
    assert bad["errors"][0]["field"] == "file" and "encrypted" in bad["errors"][0]["message"]
    await refused(413, form(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "huge.pdf"))
    await refused(422, form(b"", "empty.pdf"))
    status, body, _ = await flow.api.request("POST", f"{D}/{doc_id}/attachments", json={"file": "x"})
    assert status == 415 and body["type"].endswith("/multipart-required")
    assert await listed(flow, doc_id) == [] and await stored_keys(flow, doc_id) == []

    for n in range(5):
        await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(make_pdf([LETTER]), f"a{n}.pdf"))
    keys = await stored_keys(flow, doc_id)
    await refused(409, form(make_pdf([LETTER]), "a6.pdf"), "attachment-limit")
    assert len(await listed(flow, doc_id)) == 5 and await stored_keys(flow, doc_id) == keys
    assert (await flow.event_types(doc_id)).count("attachment.added") == 5


async def test_only_a_draft_changes_and_only_its_own_organisation_sees_them(flow: Flow, make_api: Any) -> None:
    doc_id, _ = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    added = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(make_pdf([LETTER]), "t.pdf")))["data"]

    stranger = await make_api()
    await flow.call(stranger, "GET", ATT, 404, id=doc_id)
    await flow.call(stranger, "POST", ATT, 404, id=doc_id, data=form(make_pdf([LETTER]), "x.pdf"))
    await flow.call(stranger, "DELETE", ATT + "/{attId}", 404, id=doc_id, attId=added["id"])
    read_only = await make_api(scopes=["documents.read"])
    await flow.call(read_only, "POST", ATT, 403, id="c" + "0" * 24, data=form(make_pdf([LETTER]), "x.pdf"))

    await flow.send(doc_id)
    sent = await flow.call(flow.api, "POST", ATT, 409, id=doc_id, data=form(make_pdf([LETTER]), "late.pdf"))
    assert sent["type"].endswith("/document-not-draft")
    gone = await flow.call(flow.api, "DELETE", ATT + "/{attId}", 409, id=doc_id, attId=added["id"])
    assert gone["type"].endswith("/document-not-draft")
    assert [a["id"] for a in await listed(flow, doc_id)] == [added["id"]]
    (key,) = await stored_keys(flow, doc_id)
    assert await object_exists(flow, key)


async def test_signers_see_them_and_the_signed_pdf_appends_them_before_the_certificate(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    other_id, _ = await flow.draft(signers=[], fields=[])
    terms = make_pdf([LETTER, LETTER], text="Attached terms")
    first = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(terms, "terms.pdf")))["data"]
    photo = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(make_image("JPEG"), "photo.jpg")))["data"]
    foreign = (await flow.call(flow.api, "POST", ATT, 201, id=other_id, data=form(terms, "other.pdf")))["data"]
    await flow.send(doc_id)
    ann = await flow.link(ids["ann@example.com"])

    session = (await flow.as_signer("GET", "", 200, ann))["data"]
    assert session["attachments"] == [
        {"id": first["id"], "fileName": "terms.pdf", "fileSize": first["fileSize"], "pageCount": 2, "fieldId": None},
        {"id": photo["id"], "fileName": "photo.jpg", "fileSize": photo["fileSize"], "pageCount": 1, "fieldId": None},
    ]
    status, body, resp = await flow.signing.request("GET", f"/api/v1/signing/{ann}/attachments/{photo['id']}")
    assert status == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert 'filename="photo.pdf"' in resp.headers["Content-Disposition"]
    assert hashlib.sha256(body).hexdigest() == photo["sha256"]
    checked = await flow.as_signer("GET", "/attachments/{attId}", 200, ann, attId=first["id"])  # against the spec
    assert hashlib.sha256(checked).hexdigest() == first["sha256"]
    # Another document's attachment is not reachable through this signer's link.
    await flow.as_signer("GET", "/attachments/{attId}", 404, ann, attId=foreign["id"])

    (field,) = await flow.field_ids(doc_id)
    sign = {"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": "Ann"}}]}
    await flow.as_signer("POST", "/sign", 200, ann, json=sign)
    await flow.complete(doc_id)
    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(signed_pdf)).pages]
    # The document's 2 pages, the terms' 2, the photo's 1, then the certificate.
    assert "Attached terms" in pages[2] and "Attached terms" in pages[3]
    assert all("Certificate of Completion" not in text for text in pages[:5])
    certificate = "\n".join(pages[5:])
    assert "Certificate of Completion" in pages[5]
    flat = certificate.replace("\n", "")
    assert first["sha256"] in flat and photo["sha256"] in flat
    assert "terms.pdf — pages 3–4" in certificate and "photo.jpg — page 5" in certificate


async def test_an_upload_with_an_idempotency_key_runs_once_and_is_replayed(flow: Flow) -> None:
    # The upload's own body cap is applied before the idempotency step reads the body to hash it.
    doc_id, _ = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    terms = make_pdf([LETTER], text="Terms and conditions")

    def form(boundary: str, content: bytes = terms) -> tuple[bytes, dict[str, str]]:
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="terms.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return body, {"Idempotency-Key": "attach-terms-1", "Content-Type": f"multipart/form-data; boundary={boundary}"}

    body, headers = form("retry-boundary-7f3a")
    first = await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=body, headers=headers)
    # A retry sends the same bytes, boundary included …
    again = await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=body, headers=headers)
    assert again["data"] == first["data"]
    # … or, as curl and most libraries do when they build the form again, a new boundary.
    body, headers = form("another-boundary-91c2")
    rebuilt = await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=body, headers=headers)
    assert rebuilt["data"] == first["data"]
    assert [a["id"] for a in await listed(flow, doc_id)] == [first["data"]["id"]]
    assert len(await stored_keys(flow, doc_id)) == 1
    # Another file under the same key is another request: refused, nothing stored.
    body, headers = form("retry-boundary-7f3a", make_pdf([LETTER], text="Other terms"))
    await flow.call(flow.api, "POST", ATT, 422, id=doc_id, data=body, headers=headers)
    assert [a["id"] for a in await listed(flow, doc_id)] == [first["data"]["id"]]
    assert len(await stored_keys(flow, doc_id)) == 1
