"""The signing page's other states against WCAG 2.1 AA, on each screen (test_signing_page_a11y.py's
`screen`: 1280 px with a mouse, 390 px on a touch screen, tapping).

Each state is reached as a signer reaches it (links from the invitation email, real answers of
the API) and axe-core must report no serious or critical violation in it: cancelled, unknown,
expired, declined by someone else, complete, complete past the download's retention period,
declined on the page, the one-time code (asked, a wrong one) and a locked link, the approver's
view before their turn and approving, approved, unreachable, and the page in German with the
language switcher used.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.async_api import Page, expect

from tests.axe_check import assert_accessible
from tests.e2e.signing_browser import (  # noqa: F401  (browser: a fixture)
    browser,
    invitation_token,
    one_time_code,
    open_page,
    sent_document,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.e2e.test_signing_page_a11y import Screen, pages_shown, screen, sign_by_api  # noqa: F401
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"


async def _check(flow: Flow, screen: Screen, token: str, heading: str, state: str, status: int = 200) -> Page:
    opened = await open_page(screen.context, flow.system.gateway_url, token, status=status)
    await expect(opened.page.get_by_role("heading", name=heading)).to_be_visible()
    await assert_accessible(opened.page, state)
    assert opened.script_errors() == []
    return opened.page


async def test_every_dead_end_passes_axe(flow: Flow, screen: Screen, mailbox: Mailbox) -> None:
    cancelled_id, _, cancelled = await sent_document(flow, mailbox, "cora")
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=cancelled_id)
    await _check(flow, screen, cancelled, "This document was cancelled", "cancelled")
    await _check(flow, screen, secrets.token_urlsafe(32), "This link isn't valid", "unknown", status=404)

    expired_id, _, expired = await sent_document(flow, mailbox, "evan")
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 minute' WHERE id = $1", expired_id
    )
    await _check(flow, screen, expired, "This document has expired", "expired")

    _, _, declined_by_someone = await sent_document(flow, mailbox, "dina")
    await flow.as_signer("POST", "/decline", 200, declined_by_someone, json={"reason": "No"})
    await _check(flow, screen, declined_by_someone, "This document was declined", "declined by someone")

    completed_id, _, completed = await sent_document(flow, mailbox, "cole")
    await sign_by_api(flow, completed_id, completed, "Cole")
    await flow.complete(completed_id)
    page = await _check(flow, screen, completed, "This document is complete", "complete")
    await expect(page.locator("#download-link")).to_be_visible()
    # Past the retention period: a sentence instead of the download.
    await flow.db.execute(
        "UPDATE documents.documents SET completed_at = now() - interval '400 days' WHERE id = $1", completed_id
    )
    page = await _check(flow, screen, completed, "This document is complete", "download expired")
    await expect(page.locator("[data-state=download-expired]")).to_contain_text("that time has passed")

    # The documents service out of reach: "We couldn't load this document".
    _, _, unreachable = await sent_document(flow, mailbox, "uri")
    page = await screen.context.new_page()
    await page.route(re.compile(r".*/api/v1/signing/.*"), lambda route: route.abort())
    await page.goto(f"{flow.system.gateway_url}/sign/{unreachable}")
    await expect(page.get_by_role("heading", name="We couldn't load this document")).to_be_visible()
    await assert_accessible(page, "unavailable")


async def test_declining_the_one_time_code_and_an_approver_pass_axe(
    flow: Flow, screen: Screen, mailbox: Mailbox
) -> None:
    _, _, declining = await sent_document(flow, mailbox, "dale")
    page = await _check(flow, screen, declining, "Review and sign", "intro (decline)")
    await screen.press(page.locator("#decline-open"))
    await page.locator("#decline-reason").fill("Wrong address")
    await screen.press(page.locator("#decline-confirm"))
    await expect(page.get_by_role("heading", name="You declined to sign")).to_be_visible()
    await assert_accessible(page, "declined")

    # The one-time code: asked, sent, a wrong one; and a locked link.
    otp_id, otp_signer, otp = await sent_document(flow, mailbox, "opal", otpMethod="email")
    page = await _check(flow, screen, otp, "Confirm it's you", "otp")
    await screen.press(page.get_by_role("button", name="Email me a code"))
    await expect(page.locator("#otp-sent")).not_to_be_empty()
    await assert_accessible(page, "otp: code sent")
    otp_email = (await flow.document(otp_id))["signers"][0]["email"]
    code = await one_time_code(flow, mailbox, otp_email, otp_signer)
    await page.get_by_label("6-digit code").fill("000000" if code != "000000" else "111111")
    await screen.press(page.get_by_role("button", name="Verify"))
    await expect(page.locator("#otp-error")).to_contain_text("attempt")
    await assert_accessible(page, "otp: wrong code")
    await flow.db.execute("UPDATE documents.signers SET otp_locked_at = now() WHERE id = $1", otp_signer)
    await _check(flow, screen, otp, "This link is locked", "otp locked")

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
    await _check(flow, screen, approver, "It's not your turn yet", "not your turn")
    signer = await invitation_token(flow, mailbox, signer_email, ids[signer_email])
    await sign_by_api(flow, doc_id, signer, "Sol Signer")
    await _check(flow, screen, signer, "Signed", "already signed")
    page = await _check(flow, screen, approver, "Review and approve", "approve")
    await screen.press(page.get_by_role("button", name="Approve", exact=True))
    await expect(page.get_by_role("heading", name="Approved")).to_be_visible()
    await assert_accessible(page, "approved")


async def test_the_page_in_german_and_the_language_switcher_pass_axe(
    flow: Flow, screen: Screen, mailbox: Mailbox
) -> None:
    _, _, german = await sent_document(flow, mailbox, "greta", language="de")
    page = await _check(flow, screen, german, "Prüfen und unterschreiben", "German: intro")
    await pages_shown(page)
    assert await page.evaluate("document.documentElement.lang") == "de"
    await screen.press(page.get_by_role("button", name=re.compile(r"^Unterschrift, Pflichtfeld")))
    await expect(page.get_by_role("group", name="Art der Unterschrift")).to_be_visible()
    await assert_accessible(page, "German: signature")
    await screen.press(page.locator("#editor-close"))
    await screen.press(page.locator("#decline-open"))
    await expect(page.locator("#decline-dialog")).to_be_visible()
    await assert_accessible(page, "German: decline dialog")
    await screen.press(page.locator("#decline-cancel"))

    # The switcher in the header, used: the page in French, then its own state checked again.
    switcher = page.get_by_label("Sprache")
    await expect(switcher).to_be_visible()
    await assert_accessible(page, "language switcher")
    await switcher.select_option("fr")
    await expect(page.get_by_role("heading", name="Consulter et signer")).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "fr"
    await assert_accessible(page, "switched to French")
    await shoot(page, f"a11y-switcher-{screen.name}", full_page=False)
