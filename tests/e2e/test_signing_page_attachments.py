"""The signing page lists the document's attachments, each downloadable through the signer's link."""

from __future__ import annotations

import hashlib

import pytest
from playwright.async_api import BrowserContext, expect

from tests.e2e.signing_browser import (  # noqa: F401  (browser, context: fixtures)
    browser,
    context,
    invitation_token,
    open_page,
    shoot,
    unique_email,
)
from tests.e2e.test_attachments_api import ATT, form
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e


async def test_the_intro_card_lists_the_attachments_with_working_links(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    email = unique_email("ada")
    doc_id, ids = await flow.draft(signers=[{"email": email, "name": "Ada Reader", "order": 0}], fields=[signature(0)])
    terms = make_pdf([LETTER], text="Terms")
    added = (await flow.call(flow.api, "POST", ATT, 201, id=doc_id, data=form(terms, "<b>terms</b>.pdf")))["data"]
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page

    listing = page.locator("#attachments")
    await expect(listing).to_be_visible()
    link = listing.locator(f'a[data-attachment="{added["id"]}"]')
    await expect(link).to_have_text(added["fileName"])  # shown as text, never as markup
    href = await link.get_attribute("href")
    assert href == f"/api/v1/signing/{token}/attachments/{added['id']}"
    response = await page.request.get(flow.system.gateway_url + href)
    assert response.status == 200 and hashlib.sha256(await response.body()).hexdigest() == added["sha256"]
    await shoot(page, "attachments")
    assert opened.script_errors() == []
