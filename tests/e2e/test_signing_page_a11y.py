"""The signing page against WCAG 2.1 AA: axe-core in Debian's Chromium on every step of a
signing, on each screen, and a signing done with the keyboard alone.

Each step is reached as a signer reaches it (the link from the invitation email, clicks or taps,
real answers of the API) and axe-core (tests/axe_check.py) must report no serious or critical
violation in it: the intro, the touch list of fields, the field editor with every kind of input
(and a rule's error), the signature drawn, uploaded and typed, the consent and the disclosure,
the decline dialog, signed and completed. Every test runs twice (`screen`): at 1280 px with a
mouse, and at 390 px on a touch screen, tapping. The other states of the page are checked the
same way in test_signing_page_a11y_states.py. Helpers and the browser come from
test_signing_page.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, FilePayload, Locator, Page, expect

from tests.axe_check import assert_accessible, with_axe
from tests.e2e.signing_browser import (  # noqa: F401  (browser: a fixture)
    browser,
    draw_signature,
    invitation_token,
    open_page,
    sent_document,
    shoot,
    unique_email,
)
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import make_image
from tests.peers import Mailbox
from tests.unit.test_signature_upload import encode, photo

pytestmark = pytest.mark.e2e

OPTIONS = ["Email", "Post"]
# The two screens of the "done means": a desktop with a mouse, a 390 px phone with touch.
SCREENS: dict[str, dict[str, Any]] = {
    "1280px": {"viewport": {"width": 1280, "height": 900}},
    "390px-touch": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "has_touch": True,
        "is_mobile": True,
    },
}


@dataclass
class Screen:
    name: str
    context: BrowserContext
    touch: bool

    async def press(self, target: Locator) -> None:
        """What the signer does to a control on this screen: a tap on touch, else a click."""
        await (target.tap() if self.touch else target.click())

    async def draw(self, page: Page) -> None:
        """With the mouse on both screens (every other control is tapped on the phone). After a
        stroke of touch events sent through the DevTools protocol (draw_with_finger, which
        test_signing_page.py uses on a 360 px phone) the next tap here was lost about one run in
        eight, the editor staying on Draw; the cause was not found (logging the events made it
        go away), and the mouse stroke never lost it."""
        await draw_signature(page)


@pytest.fixture(params=list(SCREENS))
async def screen(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Screen]:
    name: str = request.param
    ctx = await with_axe(await browser.new_context(**SCREENS[name]))
    ctx.set_default_timeout(15_000)
    yield Screen(name, ctx, bool(SCREENS[name].get("has_touch")))
    await ctx.close()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await with_axe(await browser.new_context(**SCREENS["1280px"]))
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


async def sign_by_api(flow: Flow, doc_id: str, token: str, name: str) -> None:
    field_ids = {f["type"]: f["id"] for f in await flow.field_ids(doc_id)}
    values = [
        {"id": field_ids["signature"], "value": {"type": "typed", "text": name}},
        {"id": field_ids["text"], "value": "Acme Ltd"},
    ]
    await flow.as_signer("POST", "/sign", 200, token, json={"consent": True, "fields": values})


async def pages_shown(page: Page) -> None:
    images = page.locator("img.page__image")
    for index in range(await images.count()):
        await expect(images.nth(index)).to_have_js_property("complete", True)


async def test_every_step_of_signing_passes_axe(flow: Flow, screen: Screen, mailbox: Mailbox) -> None:
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
    opened = await open_page(screen.context, flow.system.gateway_url, token)
    page = opened.page
    await expect(page.get_by_role("heading", name="Review and sign")).to_be_visible()
    await pages_shown(page)
    await assert_accessible(page, "intro")
    if screen.touch:  # the list of large targets is shown on touch screens only (signing.css)
        await expect(page.locator(".fieldlist__item").first).to_be_visible()
        await assert_accessible(page, "touch field list")

    # The editor with each kind of input, in reading order.
    await screen.press(page.locator("#next-field"))
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
        await screen.press(page.locator("#editor-next"))
    assert seen[-1] == "Signature" and "Send updates by" in seen and "Proof of address" in seen, seen
    await screen.draw(page)
    await expect(page.locator("button.field--signature img.field__image")).to_be_visible()  # in its box
    await assert_accessible(page, "signature drawn")
    await screen.press(page.get_by_role("button", name="Upload", exact=True))
    await assert_accessible(page, "signature upload control")
    await page.locator("#editor-body input[type=file]").set_input_files(
        files=[FilePayload(name="signature.jpg", mimeType="image/jpeg", buffer=encode(photo(), "JPEG"))]
    )
    await expect(page.locator(".signature-upload__preview")).to_have_attribute(
        "src", re.compile(r"^data:image/png;base64,")
    )
    await assert_accessible(page, "signature uploaded")
    await screen.press(page.get_by_role("button", name="Type", exact=True))
    await page.locator("#editor-body input").fill("Ada Access")
    await assert_accessible(page, "signature typed")
    if screen.touch:
        await shoot(page, "a11y-phone-390", full_page=False)
    await screen.press(page.locator("#editor-close"))

    await screen.press(page.locator(".disclosure summary"))
    await screen.press(page.locator("label.check--consent"))
    await expect(page.locator("#consent")).to_be_checked()
    await expect(page.locator("#finish")).to_be_enabled()
    await assert_accessible(page, "consent and disclosure")

    await screen.press(page.locator("#decline-open"))
    await expect(page.locator("#decline-dialog")).to_be_visible()
    await screen.press(page.locator("#decline-confirm"))  # no reason: the dialog's error
    await expect(page.locator("#decline-error")).not_to_be_empty()
    await assert_accessible(page, "decline dialog")
    await screen.press(page.locator("#decline-cancel"))

    await screen.press(page.locator("#finish"))
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    await assert_accessible(page, "signed")
    await flow.complete(doc_id)
    await expect(page.locator("#download-link")).to_be_visible(timeout=40_000)
    await assert_accessible(page, "completed")
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
