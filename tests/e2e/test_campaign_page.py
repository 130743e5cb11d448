"""The campaign page in Chromium (services/gateway/campaign_page/): a visitor opens the public link,
sees the brand colour and the welcome texts, fills the form, lands on the signing page with their
own document, signs it and is sent to the campaign's redirectUrl. Nothing is loaded from another
origin, and the CSP refuses nothing the page does."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Route, expect

from tests.e2e.signing_browser import (  # noqa: F401  (browser, context: fixtures)
    REDIRECT_DELAY_MS,
    browser,
    context,
    draw_signature,
    shoot,
    watched_page,
)
from tests.e2e.test_campaigns import Campaigns, campaigns, email  # noqa: F401  (campaigns: a fixture)
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow: a fixture)
from tests.e2e.test_templates_api import templates  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e

THANKS = "https://thanks.example.com/after-signing"


async def test_a_visitor_fills_the_form_signs_their_document_and_is_redirected(
    campaigns: Campaigns, flow: Flow, context: BrowserContext
) -> None:
    campaign = await campaigns.create(
        welcomeTitle="Volunteer agreement",
        welcomeMessage="Read it, then sign.\n<b>Thank you!</b>",
        brandColor="#8A1538",
        redirectUrl=THANKS,
    )
    gateway = flow.system.gateway_url
    await context.clock.install()  # the redirect's delay is skipped (REDIRECT_DELAY_MS)
    page, requests, errors = await watched_page(context)
    arrived: list[str] = []

    async def thanks(route: Route) -> None:  # the redirect target, answered here instead of the internet
        arrived.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html", body="<h1>Thanks</h1>")

    await page.route(THANKS, thanks)

    response = await page.goto(f"{gateway}/sign/campaign/{campaign['id']}")
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading", name="Volunteer agreement")).to_be_visible()
    await expect(page.locator("#welcome-message")).to_have_text("Read it, then sign.\n<b>Thank you!</b>")
    assert await page.locator("#welcome-message b").count() == 0  # shown as text, not markup
    # The brand colour, set by the script through the CSSOM (no inline style is allowed).
    await expect(page.locator("h1")).to_have_css("color", "rgb(138, 21, 56)")
    await shoot(page, "campaign-form")

    # A refusal is shown next to the form, and nothing is made.
    await page.locator("#name").fill("Quinn Quill")
    await page.locator("#email").fill("not-an-address")
    await page.locator("#phone").fill("+15550100")
    await page.locator("#submit").click()
    await expect(page.locator("#error")).to_contain_text("email")
    assert await campaigns.documents_of(campaign["id"]) == []

    address = email("quinn")
    await page.locator("#email").fill(address)
    await page.locator("#submit").click()
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    assert re.fullmatch(re.escape(gateway) + r"/sign/[A-Za-z0-9_-]{43}", page.url)
    (doc_id,) = await campaigns.documents_of(campaign["id"])

    await page.get_by_role("button", name=re.compile(r"^Signature, required")).click()
    await draw_signature(page)
    await page.locator("#editor-close").click()
    await page.locator("#consent").check()
    await page.locator("#finish").click()
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    await expect(page.locator("#continue")).to_have_attribute("href", THANKS)
    await shoot(page, "campaign-signed")
    await page.clock.fast_forward(REDIRECT_DELAY_MS)
    await page.wait_for_url(THANKS, timeout=15_000)  # followed by itself
    assert arrived == [THANKS]

    document = await flow.complete(doc_id)
    assert document["status"] == "completed" and document["campaignId"] == campaign["id"]
    assert document["signers"][0]["email"] == address
    local = [url for url in requests if url != THANKS and not url.startswith(("data:", "blob:"))]
    assert all(url.startswith(gateway + "/") for url in local), local
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
