"""The signing page against WCAG 2.1 AA: axe-core in Debian's Chromium on every state of the page,
and a signing done with the keyboard alone.

Each state is reached as a signer reaches it (links from the invitation email, clicks, real
answers of the API) and axe-core (tests/axe_check.py) must report no serious or critical
violation in it: the intro, the field editor with every kind of input, the signature drawn and
typed, the consent and the disclosure, the decline dialog, signed and completed, declined, the
one-time code (and a wrong code), the approver's view, not your turn, locked, expired,
cancelled, declined by someone else, unknown and unreachable. At 1280 px, and at 390 px on a
touch screen. Helpers and the browser come from test_signing_page.py.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.axe_check import assert_accessible, with_axe
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.e2e.test_signing_page import (  # noqa: F401  (browser: a fixture)
    browser,
    draw_signature,
    invitation_token,
    one_time_code,
    open_page,
    shoot,
    unique_email,
)
from tests.pdf_corpus import make_image
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
OPTIONS = ["Email", "Post"]


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await with_axe(await browser.new_context(viewport={"width": 1280, "height": 900}))
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await with_axe(
        await browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True, is_mobile=True
        )
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


async def _sent(flow: Flow, mailbox: Mailbox, name: str, **document: Any) -> tuple[str, str, str]:
    """A sent one-signer document: (document id, signer id, the signer's token)."""
    email = unique_email(name)
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": name.title(), "order": 0}],
        fields=[signature(0), box("text", 0, 120, label="Company")],
        **document,
    )
    await flow.send(doc_id)
    return doc_id, ids[email], await invitation_token(flow, mailbox, email, ids[email])


async def _sign_by_api(flow: Flow, doc_id: str, token: str, name: str) -> None:
    field_ids = {f["type"]: f["id"] for f in await flow.field_ids(doc_id)}
    values = [
        {"id": field_ids["signature"], "value": {"type": "typed", "text": name}},
        {"id": field_ids["text"], "value": "Acme Ltd"},
    ]
    await flow.as_signer("POST", "/sign", 200, token, json={"consent": True, "fields": values})


async def _pages_shown(page: Page) -> None:
    images = page.locator("img.page__image")
    for index in range(await images.count()):
        await expect(images.nth(index)).to_have_js_property("complete", True)


async def test_every_step_of_signing_passes_axe(flow: Flow, desktop: BrowserContext, mailbox: Mailbox) -> None:
    email = unique_email("ada")
    optional = {"required": False}
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Ada Access", "order": 0}],
        fields=[
            box("text", 0, 80, label="Job title", validation={"minLength": 2, "maxLength": 80}),
            box("textarea", 0, 120, height=48, label="Comments", **optional),
            box("number", 0, 180, label="Seats", **optional),
            box("date", 0, 220, label="Start date", **optional),
            box("checkbox", 0, 260, width=20, height=20, label="I accept the terms", **optional),
            box("checkbox_group", 0, 300, options=OPTIONS, label="Send updates by", **optional),
            box("radio_group", 0, 340, options=OPTIONS, label="Contact by", **optional),
            box("dropdown", 0, 380, options=["Monthly", "Yearly"], label="Billing", **optional),
            box("image", 0, 420, height=48, label="Company stamp", **optional),
            box("attachment", 0, 480, label="Proof of address", **optional),
            box("initials", 0, 520, width=60, height=30, **optional),
            box("name", 0, 560),
            signature(0, y=620),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(desktop, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    await _pages_shown(page)
    await assert_accessible(page, "intro")

    # The editor with each kind of input, in reading order.
    await page.locator("#next-field").click()
    seen = []
    for _ in range(14):
        title = await page.locator("#editor-title").inner_text()
        seen.append(title)
        if title == "Job title":
            await page.locator("#editor-body input").fill("x")  # too short: the rule's error is shown
            await expect(page.locator("#editor-error")).not_to_be_empty()
            await assert_accessible(page, "field with an error")
            await page.locator("#editor-body input").fill("Chief Executive")
        if title == "Company stamp":
            await page.locator("#editor-body input[type=file]").set_input_files(
                {"name": "stamp.png", "mimeType": "image/png", "buffer": make_image("PNG", (120, 60))}
            )
            await expect(page.locator(".image-preview")).to_be_visible()
        await assert_accessible(page, f"editor: {title}")
        if title == "Signature":
            break
        await page.locator("#editor-next").click()
    assert seen[-1] == "Signature" and "Send updates by" in seen and "Proof of address" in seen, seen
    await draw_signature(page)
    await assert_accessible(page, "signature drawn")
    await page.get_by_role("button", name="Type", exact=True).click()
    await page.locator("#editor-body input").fill("Ada Access")
    await assert_accessible(page, "signature typed")
    await page.locator("#editor-close").click()

    await page.locator(".disclosure summary").click()
    await page.locator("#consent").check()
    await expect(page.locator("#finish")).to_be_enabled()
    await assert_accessible(page, "consent and disclosure")

    await page.locator("#decline-open").click()
    await expect(page.locator("#decline-dialog")).to_be_visible()
    await page.locator("#decline-confirm").click()  # no reason: the dialog's error
    await expect(page.locator("#decline-error")).not_to_be_empty()
    await assert_accessible(page, "decline dialog")
    await page.locator("#decline-cancel").click()

    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    await assert_accessible(page, "signed")
    await flow.complete(doc_id)
    await expect(page.locator("#download-link")).to_be_visible(timeout=40_000)
    await assert_accessible(page, "completed")
    assert opened.script_errors() == []


async def test_every_other_state_passes_axe(flow: Flow, desktop: BrowserContext, mailbox: Mailbox) -> None:
    async def check(token: str, heading: str, state: str, status: int = 200) -> Page:
        opened = await open_page(desktop, flow.system.gateway_url, token, status=status)
        await expect(opened.page.get_by_role("heading", name=heading)).to_be_visible()
        await assert_accessible(opened.page, state)
        assert opened.script_errors() == []
        return opened.page

    cancelled_id, _, cancelled = await _sent(flow, mailbox, "cora")
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=cancelled_id)
    await check(cancelled, "This document was cancelled", "cancelled")
    await check(secrets.token_urlsafe(32), "This link isn't valid", "unknown", status=404)

    expired_id, _, expired = await _sent(flow, mailbox, "evan")
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 minute' WHERE id = $1", expired_id
    )
    await check(expired, "This document has expired", "expired")

    _, _, declined_by_someone = await _sent(flow, mailbox, "dina")
    await flow.as_signer("POST", "/decline", 200, declined_by_someone, json={"reason": "No"})
    await check(declined_by_someone, "This document was declined", "declined by someone")

    completed_id, _, completed = await _sent(flow, mailbox, "cole")
    await _sign_by_api(flow, completed_id, completed, "Cole")
    await flow.complete(completed_id)
    await check(completed, "This document is complete", "complete")

    # Declining on the page.
    _, _, declining = await _sent(flow, mailbox, "dale")
    page = await check(declining, "Review and sign", "intro (decline)")
    await page.locator("#decline-open").click()
    await page.locator("#decline-reason").fill("Wrong address")
    await page.locator("#decline-confirm").click()
    await expect(page.get_by_role("heading", name="You declined to sign")).to_be_visible()
    await assert_accessible(page, "declined")

    # The one-time code: asked, sent, a wrong one; and a locked link.
    otp_id, otp_signer, otp = await _sent(flow, mailbox, "opal", otpMethod="email")
    page = await check(otp, "Confirm it's you", "otp")
    await page.get_by_role("button", name="Email me a code").click()
    await expect(page.locator("#otp-sent")).not_to_be_empty()
    otp_email = (await flow.document(otp_id))["signers"][0]["email"]
    code = await one_time_code(flow, mailbox, otp_email, otp_signer)
    await page.get_by_label("6-digit code").fill("000000" if code != "000000" else "111111")
    await page.get_by_role("button", name="Verify").click()
    await expect(page.locator("#otp-error")).to_contain_text("attempt")
    await assert_accessible(page, "otp: wrong code")
    await flow.db.execute("UPDATE documents.signers SET otp_locked_at = now() WHERE id = $1", otp_signer)
    await check(otp, "This link is locked", "otp locked")

    # An approver: before their turn, then approving, then approved.
    signer_email, approver_email = unique_email("sol"), unique_email("abe")
    doc_id, ids = await flow.draft(
        signingType="sequential",
        signers=[
            {"email": signer_email, "name": "Sol Signer", "order": 0},
            {"email": approver_email, "name": "Abe Approver", "role": "approver", "order": 1},
        ],
        fields=[signature(0), box("text", 0, 120, label="Company"), box("name", 1, 200)],
    )
    await flow.send(doc_id)
    approver = await flow.embedded_link(doc_id, ids[approver_email])
    await check(approver, "It's not your turn yet", "not your turn")
    signer = await invitation_token(flow, mailbox, signer_email, ids[signer_email])
    await _sign_by_api(flow, doc_id, signer, "Sol Signer")
    await check(signer, "Signed", "already signed")
    page = await check(approver, "Review and approve", "approve")
    await page.get_by_role("button", name="Approve", exact=True).click()
    await expect(page.get_by_role("heading", name="Approved")).to_be_visible()
    await assert_accessible(page, "approved")

    # The documents service out of reach: "We couldn't load this document".
    _, _, unreachable = await _sent(flow, mailbox, "uri")
    page = await desktop.new_page()
    await page.route(re.compile(r".*/api/v1/signing/.*"), lambda route: route.abort())
    await page.goto(f"{flow.system.gateway_url}/sign/{unreachable}")
    await expect(page.get_by_role("heading", name="We couldn't load this document")).to_be_visible()
    await assert_accessible(page, "unavailable")


async def test_a_390_px_touch_screen_passes_axe(flow: Flow, phone: BrowserContext, mailbox: Mailbox) -> None:
    _, _, token = await _sent(flow, mailbox, "tia")
    opened = await open_page(phone, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    await _pages_shown(page)
    await assert_accessible(page, "phone: intro")
    await page.get_by_role("button", name=re.compile(r"^Signature, required")).tap()
    await expect(page.locator("canvas.pad__canvas")).to_be_visible()
    await assert_accessible(page, "phone: signature")
    await page.get_by_role("button", name="Type", exact=True).tap()
    await page.locator("#editor-body input").fill("Tia")
    await assert_accessible(page, "phone: signature typed")
    await shoot(page, "a11y-phone-390", full_page=False)
    assert opened.script_errors() == []


async def _tab_to(page: Page, selector: str, *, limit: int = 60) -> None:
    """Press Tab (only Tab) until the element `selector` has the focus."""
    for _ in range(limit):
        if await page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def test_a_signing_done_with_the_keyboard_only(flow: Flow, desktop: BrowserContext, mailbox: Mailbox) -> None:
    """No click, no tap, no focus() from the test: Tab, Enter, Space, Escape and typing."""
    email = unique_email("kai")
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": "Kai Keys", "order": 0}],
        fields=[
            box("text", 0, 100, label="Reference"),
            box("checkbox", 0, 140, width=20, height=20, label="I accept the terms"),
            signature(0, y=600),
        ],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(desktop, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()

    # The skip link comes first and leads to the content.
    await page.keyboard.press("Tab")
    await expect(page.locator(".skip-link")).to_be_focused()
    await _tab_to(page, "#start")
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-title")).to_have_text("Reference")
    await expect(page.locator("#editor-body input")).to_be_focused()
    await page.keyboard.type("INV-7")
    await _tab_to(page, "#editor-next")
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-title")).to_have_text("I accept the terms")
    await expect(page.locator("#editor-body input[type=checkbox]")).to_be_focused()
    await page.keyboard.press("Space")
    await _tab_to(page, "#editor-next")
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-title")).to_have_text("Signature")
    await _tab_to(page, '.segmented__option[data-mode="type"]')
    await page.keyboard.press("Enter")
    await expect(page.locator("#editor-body input")).to_be_focused()
    await page.keyboard.type("Kai Keys")
    await _tab_to(page, "#editor-next")  # "Done": to the finish card, focus on the consent box
    await page.keyboard.press("Enter")
    await expect(page.locator("#consent")).to_be_focused()
    await page.keyboard.press("Space")
    await _tab_to(page, "#finish")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Signed")).to_be_focused()

    document = await flow.document(doc_id)
    assert [s["status"] for s in document["signers"]] == ["completed"]
    values = await flow.db.fetch("SELECT value FROM documents.field_values WHERE document_id = $1", doc_id)
    stored = " ".join(str(v["value"]) for v in values)
    assert "INV-7" in stored and "Kai Keys" in stored
    assert opened.script_errors() == []
