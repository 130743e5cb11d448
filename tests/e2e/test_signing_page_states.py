"""The signing page's other states in a real browser: dead and unknown links, the one-time code
step, an approver whose turn has not come and then has, and embedding headers.

Browser helpers come from test_signing_page.py (one browser for this module too).
"""

from __future__ import annotations

import secrets

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.e2e.test_signing_page import (  # noqa: F401  (browser, context: fixtures)
    browser,
    context,
    invitation_token,
    one_time_code,
    open_page,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_page_a11y import sent
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"


async def test_a_cancelled_link_says_so(flow: Flow, context: BrowserContext, mailbox: Mailbox) -> None:
    doc_id, _, token = await sent(flow, mailbox, "carl")
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="This document was cancelled")).to_be_visible()
    await expect(page.locator("[data-state=document-cancelled]")).to_contain_text("nothing left to sign")
    await expect(page.locator("img.page__image")).to_have_count(0)
    await shoot(page, "cancelled")
    assert opened.script_errors() == []


async def test_an_unknown_link_says_so(flow: Flow, context: BrowserContext) -> None:
    # A well-shaped token nobody issued: 404, with the friendly page all the same.
    opened = await open_page(context, flow.system.gateway_url, secrets.token_urlsafe(32), status=404)
    page = opened.page
    await expect(page.get_by_role("heading", name="This link isn't valid")).to_be_visible()
    await expect(page.locator("#status")).to_have_text("This link isn't valid")
    body = await page.locator("body").inner_text()
    assert "Traceback" not in body and "not-found" not in body
    await shoot(page, "unknown")
    assert opened.script_errors() == []


async def test_expired_declined_and_completed_links_each_say_what_happened(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    expired_id, _, expired = await sent(flow, mailbox, "eve")
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 minute' WHERE id = $1", expired_id
    )
    _, _, declined = await sent(flow, mailbox, "dan")
    await flow.as_signer("POST", "/decline", 200, declined, json={"reason": "Not for me"})
    completed_id, _, completed = await sent(flow, mailbox, "cleo")
    field_ids = {f["type"]: f["id"] for f in await flow.field_ids(completed_id)}
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        completed,
        json={
            "consent": True,
            "fields": [
                {"id": field_ids["signature"], "value": {"type": "typed", "text": "Cleo"}},
                {"id": field_ids["text"], "value": "Cleo Ltd"},
            ],
        },
    )
    await flow.complete(completed_id)

    for token, heading, name in (
        (expired, "This document has expired", "expired"),
        (declined, "This document was declined", "declined-by-someone"),
        (completed, "This document is complete", "complete"),
    ):
        opened = await open_page(context, flow.system.gateway_url, token)
        await expect(opened.page.get_by_role("heading", name=heading)).to_be_visible()
        await shoot(opened.page, f"link-{name}", full_page=False)
        assert opened.script_errors() == []
        await opened.page.close()
    # A completed document's link still offers the signed copy.
    opened = await open_page(context, flow.system.gateway_url, completed)
    link = opened.page.locator("#download-link")
    await expect(link).to_be_visible()
    status, body, _ = await flow.signing.request("GET", await link.get_attribute("href") or "")
    assert status == 200 and body.startswith(b"%PDF-")


async def test_the_one_time_code_comes_first(flow: Flow, context: BrowserContext, mailbox: Mailbox) -> None:
    email = unique_email("olga")
    doc_id, ids = await flow.draft(
        otpMethod="email", signers=[{"email": email, "name": "Olga Otp", "order": 0}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page

    await expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    await expect(page.locator("img.page__image")).to_have_count(0)  # nothing of the document before the code
    await shoot(page, "otp", full_page=False)
    await page.get_by_role("button", name="Email me a code").click()
    await expect(page.locator("#otp-sent")).to_contain_text("We sent a code to o")
    code = await one_time_code(flow, mailbox, email, ids[email])
    wrong = "000000" if code != "000000" else "111111"
    await page.get_by_label("6-digit code").fill(wrong)
    await page.get_by_role("button", name="Verify").click()
    await expect(page.locator("#otp-error")).to_contain_text("attempt")
    await expect(page.get_by_label("6-digit code")).to_have_attribute("aria-invalid", "true")
    await shoot(page, "otp-wrong-code", full_page=False)
    await page.get_by_label("6-digit code").fill(code)
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    await expect(page.locator("img.page__image").first).to_have_js_property("complete", True)
    assert await page.locator("img.page__image").first.evaluate("img => img.naturalWidth") > 0
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["otpVerified"] is True
    assert opened.script_errors() == []


async def test_an_approver_waits_for_their_turn_then_approves(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    signer_email, approver_email = unique_email("sid"), unique_email("ava")
    doc_id, ids = await flow.draft(
        signingType="sequential",
        signers=[
            {"email": signer_email, "name": "Sid Signer", "order": 0},
            {"email": approver_email, "name": "Ava Approver", "role": "approver", "order": 1},
        ],
        fields=[signature(0), box("name", 1, 120), box("date_signed", 1, 160)],
    )
    await flow.send(doc_id)
    # An embedded link, issued before the approver's turn.
    approver = await flow.embedded_link(doc_id, ids[approver_email])
    opened = await open_page(context, flow.system.gateway_url, approver)
    page = opened.page
    await expect(page.get_by_role("heading", name="It's not your turn yet")).to_be_visible()
    await shoot(page, "not-your-turn", full_page=False)

    signer = await invitation_token(flow, mailbox, signer_email, ids[signer_email])
    field_id = next(f["id"] for f in await flow.field_ids(doc_id) if f["type"] == "signature")
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        signer,
        json={"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": "Sid Signer"}}]},
    )

    await page.get_by_role("button", name="Check again").click()
    await expect(page.get_by_role("heading", name="Review and approve")).to_be_visible()
    await expect(page.locator("#finish")).to_have_count(0)  # no fields to fill, no consent form
    await expect(page.locator(".field--auto.field--name")).to_contain_text("Ava Approver")
    for index in range(2):
        await expect(page.locator("img.page__image").nth(index)).to_have_js_property("complete", True)
    await shoot(page, "approver")
    await page.get_by_role("button", name="Approve", exact=True).click()
    await expect(page.get_by_role("heading", name="Approved")).to_be_visible()
    completed = await flow.complete(doc_id)
    assert {s["email"]: s["status"] for s in completed["signers"]} == {
        signer_email: "completed",
        approver_email: "completed",
    }
    await expect(page.locator("#download-link")).to_be_visible(timeout=40_000)
    assert opened.script_errors() == []
