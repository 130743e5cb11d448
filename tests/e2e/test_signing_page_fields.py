"""The signing page's attachment fields, field rules and formulas, in a real browser.

A signer uploads a file into an `attachment` field and signs (the signed PDF names and carries
the file); a refused file shows the server's message and nothing is stored; a value that breaks
a field's rules is refused on the page and by the server, and nothing is signed; a formula field
shows its value as the signer types. Helpers and fixtures come from signing_browser.py.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.async_api import BrowserContext, Page, expect
from pypdf import PdfReader

from tests.e2e.signing_browser import (  # noqa: F401  (browser, context: fixtures)
    browser,
    context,
    draw_signature,
    invitation_token,
    open_page,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_flow import Flow, box, flow, pdf_text, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import LETTER, html_page, make_image, make_pdf
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e
D = "/api/v1/documents"


async def _sign_the_signature_box(page: Page) -> None:
    await page.get_by_role("button", name=re.compile(r"^Signature, required")).click()
    await draw_signature(page)
    await page.locator("#editor-close").click()


async def _stored_uploads(flow: Flow, doc_id: str) -> int:
    return int(
        await flow.db.fetchval(
            "SELECT count(*) FROM documents.attachments WHERE document_id = $1 AND field_id IS NOT NULL", doc_id
        )
    )


async def test_a_signer_uploads_into_an_attachment_field_and_the_signed_pdf_carries_it(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("uma")
    original = make_pdf([LETTER], text="Rental application")
    doc_id, ids = await flow.draft(
        pdf=original,
        signers=[{"email": email, "name": "Uma Uploader", "order": 0}],
        fields=[box("attachment", 0, 150, label="Proof of address", required=True), signature(0)],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page

    await _sign_the_signature_box(page)
    await expect(page.locator("#progress-text")).to_have_text("1 of 2 required fields done")
    await page.locator("#consent").check()
    await expect(page.locator("#finish")).to_be_disabled()  # the required file is missing
    await expect(page.locator("#finish-hint")).to_have_text("Fill in 1 more required field to finish.")

    await page.get_by_role("button", name=re.compile(r"^Proof of address, required")).click()
    await expect(page.locator("#editor-body")).to_contain_text("A PDF, JPG, PNG or WebP file, up to 10 MB.")
    chooser = page.locator("#editor-body input[type=file]")
    await chooser.set_input_files({"name": "first.pdf", "mimeType": "application/pdf", "buffer": make_pdf([LETTER])})
    await expect(page.locator(".attachment__name")).to_have_text("Attached: first.pdf")
    await expect(page.locator("#editor-body button")).to_have_text("Replace file")
    # Replacing: the newer file is the field's, the first one is gone.
    await chooser.set_input_files({"name": "bill.png", "mimeType": "image/png", "buffer": make_image("PNG")})
    await expect(page.locator(".attachment__name")).to_have_text("Attached: bill.png")
    await expect(page.locator("#progress-text")).to_have_text("2 of 2 required fields done")
    await page.locator("#editor-close").click()
    await expect(page.locator("button.field--attachment")).to_contain_text("Attached: bill.png")
    rows = await flow.db.fetch("SELECT file_name FROM documents.attachments WHERE document_id = $1", doc_id)
    assert [r["file_name"] for r in rows] == ["bill.png"]
    await shoot(page, "attachment-field")

    await expect(page.locator("#finish")).to_be_enabled()
    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    completed = await flow.complete(doc_id)
    assert completed["status"] == "completed"
    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    reader, text = pdf_text(signed_pdf)
    assert "Attached: bill.png" in (reader.pages[0].extract_text() or "")
    # The document's page, the uploaded image as a page, then the certificate (one page or more).
    first_after = len(PdfReader(io.BytesIO(original)).pages)
    assert "Certificate of Completion" not in (reader.pages[first_after].extract_text() or "")
    assert "Certificate of Completion" in (reader.pages[first_after + 1].extract_text() or "")
    assert opened.script_errors() == []


async def test_a_refused_file_shows_the_servers_message_and_nothing_is_stored(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("rex")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Rex Refused", "order": 0}],
        fields=[box("attachment", 0, 150, label="ID scan", required=True), signature(0)],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page

    await page.get_by_role("button", name=re.compile(r"^ID scan, required")).click()
    chooser = page.locator("#editor-body input[type=file]")
    await chooser.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": html_page()})
    # The server judged it by its content: its own words are shown on the field.
    await expect(page.locator("#editor-error")).to_have_text("Attachments must be PDF, JPG, PNG or WebP files")
    await expect(chooser).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".attachment__name")).to_have_text("No file chosen yet")
    await shoot(page, "attachment-refused")
    assert await _stored_uploads(flow, doc_id) == 0
    await expect(page.locator("#progress-text")).to_have_text("0 of 2 required fields done")
    assert opened.script_errors() == []


async def test_field_rules_are_shown_and_checked_and_the_servers_errors_land_on_their_fields(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("vic")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Vic Validated", "order": 0}],
        fields=[
            box(
                "text",
                0,
                100,
                label="Policy number",
                required=True,
                validation={"pattern": "^[A-Z]{2}-\\d{4}$", "minLength": 7},
            ),
            box("number", 0, 150, label="Seats", required=True, validation={"min": 1, "max": 100}),
            # Python-only syntax (an inline flag): the page leaves this pattern to the server.
            box("text", 0, 200, label="Company code", required=True, validation="(?i)^acme-"),
            signature(0),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    error = page.locator("#editor-error")

    await page.locator("#next-field").click()
    await expect(page.locator("#editor-title")).to_have_text("Policy number")
    await expect(page.locator("#editor-rules")).to_have_text("At least 7 characters. Must match the expected format.")
    policy = page.locator("#editor-body input")
    await expect(policy).to_have_attribute("pattern", "^[A-Z]{2}-\\d{4}$")
    await policy.fill("AB-12")
    await expect(error).to_have_text("Must be at least 7 characters")
    await policy.fill("ab-1234")
    await expect(error).to_have_text("Does not match the expected format")
    await expect(page.locator("#progress-text")).to_have_text("0 of 4 required fields done")
    await policy.fill("AB-1234")
    await expect(error).to_have_text("")

    await page.locator("#editor-next").click()
    await expect(page.locator("#editor-rules")).to_have_text("A number from 1 to 100.")
    seats = page.locator("#editor-body input")
    await seats.fill("500")
    await expect(error).to_have_text("Must be at most 100")
    await seats.fill("12")
    await expect(error).to_have_text("")

    await page.locator("#editor-next").click()
    code = page.locator("#editor-body input")
    assert await code.get_attribute("pattern") is None  # not one the page can read as the server does
    await code.fill("globex-9")
    await expect(error).to_have_text("")
    await _sign_the_signature_box(page)
    await expect(page.locator("#progress-text")).to_have_text("4 of 4 required fields done")
    await page.locator("#consent").check()
    await page.locator("#finish").click()

    # The server refuses the code; its error is shown on that field, and nothing is signed.
    await expect(page.locator("#editor-title")).to_have_text("Company code")
    await expect(error).to_have_text("Does not match the expected format")
    await expect(page.locator("#finish-error")).to_have_text(
        "Some fields need attention. They are marked on the document."
    )
    await shoot(page, "field-rules-refused")
    signer = await flow.db.fetchrow("SELECT status, signed_at FROM documents.signers WHERE id = $1", ids[email])
    assert signer["status"] != "signed" and signer["signed_at"] is None
    assert (
        await flow.db.fetchval(
            "SELECT count(*) FROM documents.field_values v JOIN documents.fields f ON f.id = v.field_id "
            "WHERE f.document_id = $1",
            doc_id,
        )
        == 0
    )
    assert opened.script_errors() == []


async def test_a_formula_shows_its_value_as_the_signer_types_and_the_server_stamps_the_same(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("fay")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Fay Formula", "order": 0}],
        fields=[
            box("number", 0, 100, label="Hours", required=True),
            box("number", 0, 150, label="Rate", required=True),
            signature(0),
        ],
    )
    by_label = {f["label"]: f["id"] for f in await flow.field_ids(doc_id)}
    hours, rate = by_label["Hours"], by_label["Rate"]
    total = await flow.call(
        flow.api,
        "POST",
        D + "/{id}/fields",
        201,
        id=doc_id,
        json=box("formula", 0, 200, label="Total", formula=f"round(max({hours}, 1) * {rate} * 1.2, 2)"),
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    shown = page.locator(".field--auto.field--formula")

    await expect(shown).to_contain_text("Total, filled in automatically")  # read-only, not a button
    assert await page.locator("button.field--formula").count() == 0
    await page.locator("#next-field").click()
    await page.locator("#editor-body input").fill("3")
    await page.locator("#editor-next").click()
    await page.locator("#editor-body input").fill("4.8")
    await expect(shown).to_contain_text("17.28")  # round(3 * 4.8 * 1.2, 2), as Python rounds it
    await page.locator("#editor-prev").click()
    await page.locator("#editor-body input").fill("2.5")
    await expect(shown).to_contain_text("14.4")
    await page.locator("#editor-body input").fill("")
    await expect(shown).not_to_contain_text("14.4")  # an input is empty: no value yet
    await page.locator("#editor-body input").fill("0.5")
    await expect(shown).to_contain_text("5.76")  # max(0.5, 1) * 4.8 * 1.2
    await page.locator("#editor-close").click()
    await shoot(page, "formula")

    await _sign_the_signature_box(page)
    await page.locator("#consent").check()
    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    stored = await flow.db.fetchval("SELECT value FROM documents.field_values WHERE field_id = $1", total["data"]["id"])
    assert stored == 5.76
    assert opened.script_errors() == []
