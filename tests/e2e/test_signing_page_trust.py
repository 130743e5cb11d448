"""The signing page's trust cues, touch-size targets, signature by upload and dead ends, in
Debian's Chromium at 1280 px and on a 390 px touch screen.

Every test here collects console messages and page errors and asserts there are none at all —
not even the "Failed to load resource" a browser logs for a 4xx answer: dead ends and polling go
through GET …/state, which answers 200. Two deliberate exceptions, each checked to be the only
line: an unknown link's page is itself served 404 (handlers.py, for link checkers), which
Chromium logs; and a picture the server refuses is its 422.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, expect

from tests.e2e.signing_browser import (  # noqa: F401  (browser: a fixture)
    Opened,
    browser,
    desktop_context,
    invitation_token,
    open_page,
    phone_context,
    shoot,
    unique_email,
    watched_page,
)
from tests.e2e.test_signature_upload_api import _red_pixels
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.e2e.test_signing_trust_api import a_logo, logo_form
from tests.peers import Mailbox
from tests.unit.test_signature_upload import encode, photo

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
MIN_TARGET = 44  # CSS px: WCAG 2.5.5's target size


def no_console_errors(opened: Opened) -> None:
    assert opened.console_errors == [], opened.console_errors


async def _with_logo(flow: Flow) -> str:
    answer = await flow.call(flow.api, "PUT", "/api/v1/org/logo", 200, data=logo_form(a_logo()))
    return str(answer["data"]["sha256"])


async def test_the_header_says_who_is_asking_and_how_the_link_arrived(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    digest = await _with_logo(flow)
    email = unique_email("tina")
    doc_id, ids = await flow.draft(signers=[{"email": email, "name": "Tina Trust", "order": 0}], fields=[signature(0)])
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    org = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", flow.api.org_id)
    ctx = await desktop_context(browser)
    try:
        opened = await open_page(ctx, flow.system.gateway_url, token)
        page = opened.page
        sender = page.locator("#sender")
        await expect(sender).to_contain_text(org)
        await expect(sender).to_contain_text(f"sent by {org} Admin")
        logo = page.locator("#sender-logo")
        await expect(logo).to_have_attribute("src", f"/brand/logos/{digest}.png")
        await expect(logo).to_have_js_property("complete", True)
        assert await logo.evaluate("img => img.naturalWidth") == 600
        await expect(page.locator("#doc-title")).to_have_text("Sales Agreement Q3 · 2 pages")
        local, domain = email.split("@")
        await expect(page.locator("#delivery")).to_have_text(
            f"You received this link by email at t{'*' * (len(local) - 1)}@{domain} from {org}."
        )
        assert token not in await page.locator("header").inner_text()
        assert opened.foreign_requests(flow.system.gateway_url) == []
        await shoot(page, "trust-desktop", full_page=False)
        no_console_errors(opened)
    finally:
        await ctx.close()


async def _tap_field(page: Page, name: str) -> None:
    await page.locator(".fieldlist__item", has_text=name).tap()
    await expect(page.locator("#editor-title")).to_have_text(name)


async def test_on_a_390_px_touch_screen_every_field_has_a_44_px_target_and_signing_needs_nothing_else(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("tara")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Tara Touch", "order": 0}],
        fields=[
            signature(0, y=600),
            box("text", 0, 150, height=11, width=90, label="Full name as on your passport, please"),
            box("date", 0, 200, height=11, width=60, label="Date"),
            box("checkbox", 0, 250, width=10, height=10, label="I accept the terms"),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    ctx = await phone_context(browser)
    try:
        opened = await open_page(ctx, flow.system.gateway_url, token)
        page = opened.page
        items = page.locator(".fieldlist__item")
        await expect(items).to_have_count(4)
        first_page = await page.locator("figure.page").first.bounding_box()
        listing = await page.locator("#field-list").bounding_box()
        assert first_page is not None and listing is not None
        # Beside the document, not over it.
        assert listing["y"] + listing["height"] <= first_page["y"]
        for index in range(4):
            target = await items.nth(index).bounding_box()
            assert target is not None
            assert target["width"] >= MIN_TARGET and target["height"] >= MIN_TARGET, target
            # The label is whole: it wraps, it is never cut.
            name = items.nth(index).locator(".fieldlist__name")
            assert await name.evaluate("n => n.scrollWidth <= n.clientWidth && n.scrollHeight <= n.clientHeight + 1")
        # On the page itself the small boxes stay at the PDF's scale (the list is the target).
        small = await page.locator("button.field--date").bounding_box()
        assert small is not None and small["height"] < MIN_TARGET
        await shoot(page, "touch-list", full_page=False)

        await _tap_field(page, "Full name as on your passport, please")
        await page.locator("#editor-body input").fill("Tara Touch")
        await page.locator("#editor-close").tap()
        await _tap_field(page, "Date")
        await page.locator("#editor-body input[type=date]").fill("2026-06-01")
        await page.locator("#editor-close").tap()
        await _tap_field(page, "I accept the terms")
        await page.locator("#editor-body label.check").tap()
        await page.locator("#editor-close").tap()
        # The signature, by upload: a photo of red ink on grey paper.
        await _tap_field(page, "Signature")
        upload_mode = page.get_by_role("button", name="Upload", exact=True)
        box_of_mode = await upload_mode.bounding_box()
        assert box_of_mode is not None and box_of_mode["height"] >= MIN_TARGET
        await upload_mode.tap()
        await page.locator("#editor-body input[type=file]").set_input_files(
            files=[FilePayload(name="signature.jpg", mimeType="image/jpeg", buffer=encode(photo(), "JPEG"))]
        )
        await expect(page.locator(".signature-upload__preview")).to_have_attribute(
            "src", re.compile(r"^data:image/png;base64,")
        )
        await expect(page.locator("button.field--signature img.field__image")).to_be_visible()
        await shoot(page, "touch-upload", full_page=False)
        await page.locator("#editor-close").tap()
        await expect(page.locator("#progress-text")).to_have_text("4 of 4 required fields done")
        for index in range(4):
            await expect(items.nth(index)).to_have_class(re.compile(r"\bis-filled\b"))

        await page.locator("label.check--consent").tap()
        await page.locator("#finish").tap()
        await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
        await flow.complete(doc_id)
        await expect(page.locator("#download-link")).to_be_visible(timeout=40_000)  # polled through …/state
        await shoot(page, "touch-completed", full_page=False)
        no_console_errors(opened)
    finally:
        await ctx.close()

    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    inside, outside = _red_pixels(signed, (100, 600, 200, 60))
    assert inside > 50 and outside == 0


async def test_a_refused_picture_says_why_and_keeps_the_field_empty(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("rita")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Rita Refused", "order": 0}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    ctx = await desktop_context(browser)
    try:
        opened = await open_page(ctx, flow.system.gateway_url, token)
        page = opened.page
        await page.get_by_role("button", name=re.compile(r"^Signature, required")).click()
        await page.get_by_role("button", name="Upload", exact=True).click()
        polyglot = encode(photo(), "JPEG") + b"<html><script>alert(1)</script></html>"
        await page.locator("#editor-body input[type=file]").set_input_files(
            files=[FilePayload(name="sig.jpg", mimeType="image/jpeg", buffer=polyglot)]
        )
        await expect(page.locator("#editor-error")).to_contain_text("The file holds more than an image")
        await expect(page.locator("button.field--signature img.field__image")).to_have_count(0)
        await expect(page.locator("#finish")).to_be_disabled()
        await shoot(page, "upload-refused", full_page=False)
        # The refusal is the server's 422: the one console line it may leave is that answer's.
        assert [m for m in opened.console_errors if "422" not in m] == []
    finally:
        await ctx.close()


async def _unknown_link_fails_only_itself(ctx: BrowserContext, base_url: str) -> None:
    page, _, errors = await watched_page(ctx)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    url = f"{base_url}/sign/{secrets.token_urlsafe(32)}"
    response = await page.goto(url)
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="This link isn't valid")).to_be_visible()
    assert failed == [url]
    assert errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]


async def test_dead_ends_say_what_happened_without_a_console_error(
    flow: Flow, browser: Browser, mailbox: Mailbox
) -> None:
    email = unique_email("cody")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Cody Complete", "order": 0}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    field_id = (await flow.field_ids(doc_id))[0]["id"]
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        token,
        json={"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": "Cody"}}]},
    )
    await flow.complete(doc_id)
    cancelled_email = unique_email("cara")
    cancelled_id, cancelled_ids = await flow.draft(
        signers=[{"email": cancelled_email, "name": "Cara Cancelled", "order": 0}], fields=[signature(0)]
    )
    await flow.send(cancelled_id)
    cancelled = await invitation_token(flow, mailbox, cancelled_email, cancelled_ids[cancelled_email])
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=cancelled_id)

    for make in (desktop_context, phone_context):
        ctx = await make(browser)
        try:
            opened = await open_page(ctx, flow.system.gateway_url, token)
            await expect(opened.page.locator("#download-link")).to_be_visible()
            no_console_errors(opened)
            await opened.page.close()
            # Past the retention period: no dead download button, a sentence instead.
            await flow.db.execute(
                "UPDATE documents.documents SET completed_at = now() - interval '400 days' WHERE id = $1", doc_id
            )
            opened = await open_page(ctx, flow.system.gateway_url, token)
            page = opened.page
            card = page.locator("[data-state=download-expired]")
            await expect(card.get_by_role("heading", name="This document is complete")).to_be_visible()
            await expect(card).to_contain_text("that time has passed")
            await expect(page.locator("#download-link")).to_have_count(0)
            await expect(page.locator("a[href$='/download']")).to_have_count(0)
            await shoot(page, f"download-expired-{make.__name__.strip('_')}", full_page=False)
            no_console_errors(opened)
            await flow.db.execute("UPDATE documents.documents SET completed_at = now() WHERE id = $1", doc_id)

            opened = await open_page(ctx, flow.system.gateway_url, cancelled)
            await expect(opened.page.get_by_role("heading", name="This document was cancelled")).to_be_visible()
            no_console_errors(opened)

            # A link nobody issued: the page itself answers 404 (for link checkers: handlers.py), and
            # the browser logs that status of the document itself; every request of the page's
            # own (the link's state included) succeeds, and the script reports nothing.
            await _unknown_link_fails_only_itself(ctx, flow.system.gateway_url)
        finally:
            await ctx.close()
