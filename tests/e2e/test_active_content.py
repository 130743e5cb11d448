"""Active content in an uploaded PDF, end to end through the gateway (docs/files.md).

A PDF with JavaScript, an /OpenAction, /AA, a /Launch link, an embedded file, XFA and more — and
one https link — is uploaded, sent and signed. What signers download, and the signed PDF, carry
none of it but keep the link; the upload stays in S3 byte for byte; the API says what went."""

from __future__ import annotations

import hashlib

import pytest

from tests import pdf_corpus as corpus
from tests.e2e.test_signing_flow import Flow, flow, pdf_text, signature  # noqa: F401  (flow is a fixture)
from tests.file_uploads import s3_object

pytestmark = pytest.mark.e2e

REMOVED = [
    "additional_actions",
    "embedded_file",
    "javascript",
    "launch",
    "open_action",
    "remote_goto",
    "submit_form",
    "unsafe_link",
    "xfa",
]


async def test_signers_and_the_signed_pdf_never_get_active_content(flow: Flow) -> None:
    upload = corpus.active_content_pdf()
    assert {"/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles", "/XFA"} <= corpus.active_markers(upload)
    doc_id, ids = await flow.draft(
        pdf=upload, signers=[{"email": "ann@example.com", "name": "Ann Signer"}], fields=[signature(0)]
    )

    # (d) The API reports the removal, and which hash is which.
    detail = await flow.document(doc_id)
    assert (detail["activeContentRemoved"], detail["activeContentKinds"]) == (True, REMOVED)
    assert detail["originalFileHash"] == hashlib.sha256(upload).hexdigest()
    assert detail["documentHash"] != detail["originalFileHash"]

    await flow.send(doc_id)
    keys = await flow.db.fetchrow("SELECT file_key, pdf_key FROM documents.documents WHERE id = $1", doc_id)
    assert keys["file_key"] != keys["pdf_key"]

    # (a) What the signer downloads is the PDF to sign: none of it, the link kept.
    ann = await flow.link(ids["ann@example.com"])
    served = await flow.as_signer("GET", "/file", 200, ann)
    assert hashlib.sha256(served).hexdigest() == detail["documentHash"]
    assert corpus.active_markers(served) == set()
    assert corpus.link_uris(served) == [corpus.LINK_URL]

    [field] = await flow.field_ids(doc_id)
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        ann,
        json={"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": "Ann Signer"}}]},
    )
    completed = await flow.complete(doc_id)

    # (b) The signed PDF: none of it either, the link and the signature there.
    status, signed_pdf, _ = await flow.api.request("GET", f"/api/v1/documents/{doc_id}/download")
    assert status == 200 and hashlib.sha256(signed_pdf).hexdigest() == completed["signedFileHash"]
    assert corpus.active_markers(signed_pdf) == set()
    assert corpus.link_uris(signed_pdf) == [corpus.LINK_URL]
    _, text = pdf_text(signed_pdf)
    assert "Ann Signer" in text

    # (c) The upload itself is still in storage exactly as it was sent.
    assert s3_object(flow.system.settings, keys["file_key"]) == upload
    assert (completed["activeContentRemoved"], completed["activeContentKinds"]) == (True, REMOVED)


async def test_a_pdf_without_active_content_is_signed_as_uploaded(flow: Flow) -> None:
    upload = corpus.harmless_interactive_pdf()
    doc_id, ids = await flow.draft(
        pdf=upload, signers=[{"email": "bo@example.com", "name": "Bo"}], fields=[signature(0)]
    )
    detail = await flow.document(doc_id)
    assert (detail["activeContentRemoved"], detail["activeContentKinds"]) == (False, [])
    assert detail["documentHash"] == detail["originalFileHash"] == hashlib.sha256(upload).hexdigest()

    await flow.send(doc_id)
    bo = await flow.link(ids["bo@example.com"])
    assert await flow.as_signer("GET", "/file", 200, bo) == upload


async def test_a_new_upload_starts_over(flow: Flow) -> None:
    doc_id, _ = await flow.draft(pdf=corpus.active_content_pdf(), signers=[], fields=[])
    assert (await flow.document(doc_id))["activeContentRemoved"] is True

    replacement = corpus.one_page_letter()
    await flow.upload(doc_id, replacement)
    detail = await flow.document(doc_id)
    assert (detail["activeContentRemoved"], detail["activeContentKinds"]) == (False, [])
    assert detail["documentHash"] == detail["originalFileHash"] == hashlib.sha256(replacement).hexdigest()
