"""The signing page in a real browser: Debian's Chromium driven by Playwright.

A sender sends a document through the API; the signer's link comes from the invitation email
in the mail sink (or, until the notifier sends invitations, from the endpoint the notifier uses);
the page is opened, a signature drawn with the mouse, the other fields filled, consent given and
Finish pressed; the document's completion and the signed PDF are then checked through the API.
Other tests decline, and check the headers, third-party requests, logs and a 360 px screen.

The browser plumbing (`browser`, `context`, `open_page`, `invitation_token`, `shoot`, ...) is in
signing_browser.py, shared by every browser test. One browser per module; a fresh context (no
shared state) per test.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from playwright.async_api import Browser, BrowserContext, expect
from pypdf import PdfReader

from tests.e2e.signing_browser import (  # noqa: F401  (browser, context: fixtures)
    browser,
    context,
    draw_signature,
    draw_with_finger,
    invitation_token,
    open_page,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_flow import Flow, box, flow, pdf_text, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"

# What sticks out past the right edge (the assertion message when something does).
WIDE = """() => [...document.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map(e => `${e.tagName}.${e.className} ends at ${e.getBoundingClientRect().right}`)"""


# --- signing -----------------------------------------------------------------------------------------


async def test_a_signer_draws_fills_consents_and_the_document_completes(
    flow: Flow, context: BrowserContext, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    email = unique_email("alice")
    original = make_pdf([LETTER, LETTER], text="Services agreement page")
    doc_id, ids = await flow.draft(
        pdf=original,
        signers=[{"email": email, "name": "Alice Example", "order": 0}],
        fields=[
            box("text", 0, 150, label="Job title"),
            box("checkbox", 0, 200, width=20, height=20, label="I accept the terms"),
            box("date", 0, 250, label="Start date"),
            box("dropdown", 0, 300, options=["Monthly", "Yearly"], label="Billing"),
            box("name", 0, 560),
            signature(0, page=1, y=600),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    gateway = flow.system.gateway_url

    opened = await open_page(context, gateway, token)
    page = opened.page
    csp = opened.response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert opened.response.headers["x-frame-options"] == "DENY"
    assert opened.response.headers["referrer-policy"] == "no-referrer"
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    await expect(page.locator("#progress-text")).to_have_text("0 of 5 required fields done")
    images = page.locator("img.page__image")
    await expect(images).to_have_count(2)
    for index in range(2):  # both pages arrived as images from the server
        await expect(images.nth(index)).to_have_js_property("complete", True)
        assert await images.nth(index).evaluate("img => img.naturalWidth") > 600
    # Auto-filled: shown, not editable.
    await expect(page.locator(".field--auto.field--name")).to_contain_text("Alice Example")
    await expect(page.locator("#finish")).to_be_disabled()
    await shoot(page, "loaded")

    # Fields in reading order: Next field starts at the first one (the job title, highest on the page).
    await page.locator("#next-field").click()
    await expect(page.locator("#editor-title")).to_have_text("Job title")
    await page.locator("#editor-body input").fill("Chief Executive")
    await page.locator("#editor-next").click()
    await expect(page.locator("#editor-title")).to_have_text("I accept the terms")
    await page.locator("#editor-body input[type=checkbox]").check()
    await page.locator("#editor-next").click()
    await page.locator("#editor-body input[type=date]").fill("2026-05-29")
    await page.locator("#editor-next").click()
    await page.locator("#editor-body select").select_option("Yearly")
    # The signature, by clicking its box on the page.
    await page.get_by_role("button", name=re.compile(r"^Signature, required")).click()
    await expect(page.locator("#editor-title")).to_have_text("Signature")
    await draw_signature(page)
    await expect(page.locator("button.field--signature img.field__image")).to_be_visible()
    await expect(page.locator("#progress-text")).to_have_text("5 of 5 required fields done")
    await page.locator("#editor-close").click()
    await expect(page.locator("#editor")).to_be_hidden()
    # The boxes show the values as the signed PDF will.
    await expect(page.locator("button.field--date")).to_contain_text("May 29, 2026")
    await expect(page.locator("button.field--dropdown")).to_contain_text("Yearly")

    await expect(page.locator("#finish")).to_be_disabled()  # consent not given yet
    await page.locator("#consent").check()
    await expect(page.locator("#finish")).to_be_enabled()
    await shoot(page, "filled")
    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    await shoot(page, "signed")

    completed = await flow.complete(doc_id)
    assert completed["status"] == "completed"
    link = page.locator("#download-link")
    await expect(link).to_be_visible(timeout=40_000)  # the page polls the summary
    assert await link.get_attribute("href") == f"/api/v1/signing/{token}/download"
    await shoot(page, "completed")

    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    reader, text = pdf_text(signed_pdf)
    assert len(reader.pages) == len(PdfReader(io.BytesIO(original)).pages) + 1
    for expected in ("Chief Executive", "Yearly", "May 29, 2026", "Alice Example"):
        assert expected in text, expected
    assert len(reader.pages[0].images) >= 1  # the drawn signature, on its page
    # The page's own download link gives the same signed PDF.
    status, copy, resp = await flow.signing.request("GET", f"/api/v1/signing/{token}/download")
    assert status == 200 and copy == signed_pdf and resp.headers["Content-Type"] == "application/pdf"

    assert opened.foreign_requests(gateway) == []
    assert any("/pages/1?scale=" in url for url in opened.requests)
    assert opened.script_errors() == []
    # Every request was logged, none with the token in it.
    logged = [str(record.__dict__) for record in caplog.records]
    assert any("/sign/[token]" in line for line in logged)
    assert not any(token in line for line in logged)


async def test_a_signer_declines_with_a_reason(flow: Flow, context: BrowserContext, mailbox: Mailbox) -> None:
    email = unique_email("dora")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Dora Decliner", "order": 0}],
        fields=[signature(0), box("text", 0, 120, label="Company")],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page

    await page.locator("#decline-open").click()
    dialog = page.locator("#decline-dialog")
    await expect(dialog).to_be_visible()
    await page.locator("#decline-confirm").click()  # no reason yet: refused on the page
    await expect(page.locator("#decline-error")).to_contain_text("why you are declining")
    await page.locator("#decline-reason").fill("The payment terms are wrong.")
    await page.locator("#decline-confirm").click()
    await expect(page.get_by_role("heading", name="You declined to sign")).to_be_visible()
    await shoot(page, "declined")

    assert (await flow.document(doc_id))["status"] == "declined"
    declined = [e for e in await flow.events(doc_id) if e["type"] == "signer.declined"]
    assert len(declined) == 1 and declined[0]["data"]["reason"] == "The payment terms are wrong."
    assert opened.script_errors() == []


async def test_on_a_360_px_phone_nothing_scrolls_sideways_and_both_ways_of_signing_work(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("sam")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Sam Small", "order": 0}],
        fields=[
            signature(0, y=600),
            box("initials", 0, 680, width=60, height=30),
            box("textarea", 0, 150, height=60, label="Comments", required=False),
            box("radio_group", 0, 300, options=["Email", "Post"], label="Contact by"),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    phone = await browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, has_touch=True, is_mobile=True
    )
    phone.set_default_timeout(15_000)
    try:
        opened = await open_page(phone, flow.system.gateway_url, token)
        page = opened.page
        no_scroll = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        await expect(page.locator("img.page__image").first).to_have_js_property("complete", True)
        assert await page.evaluate(no_scroll), await page.evaluate(WIDE)
        # A 2x screen 340 px wide asks for 1.5 or 2 pixels per point, not the desktop's 3.
        assert any(re.search(r"/pages/1\?scale=(1\.5|2)$", url) for url in opened.requests)

        await page.get_by_role("button", name=re.compile(r"^Signature, required")).tap()
        await page.get_by_role("button", name="Type").tap()
        await page.locator("#editor-body input").fill("Sam Small")
        preview = page.locator("button.field--signature .field__text")
        await expect(preview).to_have_text("Sam Small")
        assert "CountersignScript" in await preview.evaluate("node => getComputedStyle(node).fontFamily")
        assert await page.evaluate("() => document.fonts.check('16px CountersignScript')")
        await page.locator("#editor-next").tap()
        await expect(page.locator("#editor-title")).to_have_text("Initials")
        await draw_with_finger(page)
        await expect(page.locator("button.field--initials img.field__image")).to_be_visible()
        # Chrome takes taps straight after a synthetic touch stroke for part of one gesture and
        # sends no click; a person's finger is slower than the protocol. Go on with the mouse.
        await page.locator("#editor-close").click()
        await expect(page.locator("#editor")).to_be_hidden()
        await page.get_by_role("button", name=re.compile(r"^Contact by, required")).click()
        await page.get_by_role("radio", name="Post").check()
        await expect(page.locator("button.field--radio_group")).to_contain_text("Post")
        assert await page.evaluate(no_scroll), await page.evaluate(WIDE)
        await shoot(page, "phone-360", full_page=False)
        assert opened.script_errors() == []
    finally:
        await phone.close()


async def test_keyboard_alone_reaches_and_fills_every_field(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("kim")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Kim Keys", "order": 0}],
        fields=[box("text", 0, 100, label="Reference"), signature(0, y=600)],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    # Every control on the page has an accessible name.
    unnamed = await page.evaluate("""() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
        .filter(el => !el.closest('[hidden]') && !el.closest('dialog:not([open])'))
        .filter(el => !(el.getAttribute('aria-label') || el.labels?.length || el.getAttribute('aria-labelledby')
                        || el.textContent.trim())).map(el => el.outerHTML)""")
    assert unnamed == []
    assert await page.locator("#status").get_attribute("aria-live") == "polite"

    await page.locator("#start").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-body input")).to_be_focused()
    await page.keyboard.type("INV-2024-001")
    await page.locator("#editor-next").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-title")).to_have_text("Signature")
    await page.keyboard.press("Tab")  # from "Draw" to "Type"
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-body input")).to_be_focused()
    await page.keyboard.type("Kim Keys")
    await page.keyboard.press("Escape")
    await expect(page.locator("#editor")).to_be_hidden()
    await expect(page.locator("button.field--signature")).to_be_focused()  # focus returns to the box
    await page.locator("#consent").focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await expect(page.locator("#finish")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    signer = next(s for s in (await flow.document(doc_id))["signers"] if s["email"] == email)
    assert signer["status"] == "completed"
