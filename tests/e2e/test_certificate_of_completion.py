"""The certificate of completion of a real completed document, read back with pypdf: who sent it,
how each participant was authenticated, their consent, every event with its time, IP and user
agent, the hashes and how to verify; every font embedded; ModDate and XMP of the completion."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PageObject, PdfReader, PdfWriter

from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import BROWSER, Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.integration.test_pdf_signed import certificate_fonts, is_embedded
from tests.pdf_corpus import LETTER, make_pdf
from tests.seal_checks import async_validate_seal, seal_ca_roots

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"


def dated_yesterday(pdf: bytes) -> bytes:
    """The PDF with Info dates of a day ago: the original as an author saved it before sending."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.add_metadata({"/CreationDate": yesterday, "/ModDate": yesterday})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_of(pages: Sequence[PageObject]) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


async def test_the_certificate_carries_everything_a_court_asks_for(flow: Flow) -> None:
    original = dated_yesterday(make_pdf([LETTER, LETTER], text="Court-ready certificate"))
    doc_id, ids = await flow.draft(
        otpMethod="email",
        pdf=original,
        fields=[signature(0)],
        signers=[
            {"email": "jane.smith@example.com", "name": "Jane Smith", "order": 0},
            {"email": "ann.approver@example.com", "name": "Ann Approver", "role": "approver", "order": 1},
        ],
    )
    await flow.send(doc_id)
    field = (await flow.field_ids(doc_id))[0]["id"]

    jane = await flow.link(ids["jane.smith@example.com"])
    await flow.as_signer("GET", "", 200, jane)
    await flow.as_signer("POST", "/otp", 202, jane)
    _, code = await flow.internal(f"/internal/signers/{ids['jane.smith@example.com']}/otp-code")
    await flow.as_signer("POST", "/otp/verify", 200, jane, json={"code": code["data"]["code"]})
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        jane,
        json={"consent": True, "fields": [{"id": field, "value": {"type": "typed", "text": "Jane Smith"}}]},
    )
    ann = await flow.link(ids["ann.approver@example.com"])
    await flow.as_signer("GET", "", 200, ann)
    await flow.as_signer("POST", "/otp", 202, ann)
    _, code = await flow.internal(f"/internal/signers/{ids['ann.approver@example.com']}/otp-code")
    await flow.as_signer("POST", "/otp/verify", 200, ann, json={"code": code["data"]["code"]})
    await flow.as_signer("POST", "/approve", 200, ann)
    completed = await flow.complete(doc_id)
    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and hashlib.sha256(signed).hexdigest() == completed["signedFileHash"]

    reader = PdfReader(io.BytesIO(signed))
    assert len(reader.pages) >= 3
    certificate_pages = reader.pages[2:]
    text = text_of(certificate_pages)
    squashed = "".join(text.split())

    document = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    sender = [document["sender_name"], document["sender_email"], document["sender_org_name"]]
    assert all(sender), sender  # the gateway named the sender: the certificate must show it
    signed_event = next(e for e in await flow.events(doc_id) if e["type"] == "signer.completed")
    ip = signed_event["actor"]["ip"]
    assert ip  # the gateway passed the signer's IP on
    for expected in (
        *sender,
        "Jane Smith",
        "jane.smith@example.com",
        "Ann Approver",
        "ann.approver@example.com",
        "one-time code by email verified",
        "Agreed to use electronic records and signatures",
        "Invitation emailed",
        "Opened the document",
        "One-time code emailed",
        "One-time code verified",
        "Signed",
        "Approved",
        ip,
        BROWSER.split()[0],
        doc_id,
        document["document_hash"],
        "2 + this certificate",
        "signedFileHash",
        "POST /api/v1/verify",
    ):
        # Compared without whitespace: a long email or hash may wrap inside its table cell.
        assert "".join(expected.split()) in squashed, f"{expected!r} not in {text}"
    assert text.count("One-time code verified") == 2

    for page in certificate_pages:
        for font in certificate_fonts(page):
            assert is_embedded(font), font["/BaseFont"]
            assert "Helvetica" not in str(font["/BaseFont"]) and "Courier" not in str(font["/BaseFont"])

    # Modified at completion, after the original was made; the XMP packet agrees.
    original_info = PdfReader(io.BytesIO(original)).metadata
    original_time = original_info.modification_date  # type: ignore[union-attr]
    modified = reader.metadata.modification_date  # type: ignore[union-attr]
    assert modified is not None and original_time is not None and modified > original_time
    requested = document["completion_requested_at"].replace(microsecond=0)
    assert abs(modified - requested) <= timedelta(seconds=1)  # whole seconds in the PDF date
    assert reader.xmp_metadata is not None and reader.xmp_metadata.xmp_modify_date is not None

    # The metadata and certificate changes happen before the seal: the seal still covers everything.
    root = seal_ca_roots(flow.system.settings)
    assert (await async_validate_seal(signed, root)).bottom_line


async def test_a_document_without_one_time_codes_says_the_link_was_the_authentication(flow: Flow) -> None:
    _, _, _, signed = await complete_one_document(flow, "link only")
    text = text_of(PdfReader(io.BytesIO(signed)).pages[1:])
    assert "Signing link sent by email" in text and "one-time code" not in text
