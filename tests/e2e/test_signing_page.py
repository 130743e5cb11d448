"""The signing page in a real browser: Debian's Chromium driven by Playwright.

A sender sends a document through the API; the signer's link comes from the invitation email
in the mail sink (or, until the notifier sends invitations, from the endpoint the notifier uses);
the page is opened, a signature drawn with the mouse, the other fields filled, consent given and
Finish pressed; the document's completion and the signed PDF are then checked through the API.
Other tests decline, and check the headers, third-party requests, logs and a 360 px screen.

The helpers here (`browser`, `context`, `open_page`, `invitation_token`, `shoot`) are shared by
test_signing_page_states.py. One browser per module; a fresh context (no shared state) per test.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Response, async_playwright, expect
from pypdf import PdfReader

from shared.settings import REPO_ROOT
from tests.e2e.test_signing_flow import Flow, box, flow, pdf_text, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts" / "signing-page"
D = "/api/v1/documents"


# --- browser plumbing -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
            "`make test` does this on a fresh machine"
        )
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1100, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@dataclass
class Opened:
    page: Page
    response: Response
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests to anything but the gateway (data: and blob: URLs are local to the page)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and not url.startswith(origin + "/")
        ]

    def script_errors(self) -> list[str]:
        # The browser logs every 4xx/5xx fetch as "Failed to load resource"; the page's dead-link
        # states come from such answers on purpose. Anything else (an exception, a CSP refusal) is a bug.
        return [m for m in self.console_errors if not m.startswith("Failed to load resource")]


async def watched_page(context: BrowserContext) -> tuple[Page, list[str], list[str]]:
    """A new page, and the lists its every request URL and console error / uncaught exception go to."""
    page = await context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return page, requests, errors


async def open_page(context: BrowserContext, base_url: str, token: str, status: int = 200) -> Opened:
    page, requests, errors = await watched_page(context)
    response = await page.goto(f"{base_url}/sign/{token}")
    assert response is not None and response.status == status
    return Opened(page, response, requests, errors)


async def shoot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot for a person to look at, under var/test-artifacts/signing-page/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


# What sticks out past the right edge (the assertion message when something does).
WIDE = """() => [...document.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map(e => `${e.tagName}.${e.className} ends at ${e.getBoundingClientRect().right}`)"""


def unique_email(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


# --- the link and the code, as the signer receives them -------------------------------------------


def _emails_ready(kind: str) -> bool:
    """Whether the notifier sends this kind of email yet (services/notifier/emails is being written)."""
    try:
        return importlib.util.find_spec(f"services.notifier.emails.kinds.{kind}") is not None
    except ModuleNotFoundError:
        return False


def _texts(message: EmailMessage) -> str:
    parts = [part.get_content() for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")]
    return "\n".join(parts)


async def invitation_token(flow: Flow, mailbox: Mailbox, email: str, signer_id: str) -> str:
    """The token from the signer's invitation email; from the notifier's endpoint until the
    notifier sends invitations."""
    if not _emails_ready("invitation"):
        return await flow.link(signer_id)
    pattern = re.compile(re.escape(flow.system.settings.public_url) + r"/sign/([A-Za-z0-9_-]{20,})")
    message = await mailbox.wait_for(
        lambda m: email in str(m.get("To", "")) and bool(pattern.search(_texts(m))), timeout=30
    )
    match = pattern.search(_texts(message))
    assert match is not None
    flow.tokens.add(match.group(1))
    return match.group(1)


async def one_time_code(flow: Flow, mailbox: Mailbox, email: str, signer_id: str) -> str:
    if not _emails_ready("otp"):
        status, body = await flow.internal(f"/internal/signers/{signer_id}/otp-code")
        assert status == 200, body
        return str(body["data"]["code"])

    # The code email, not the invitation (whose link may hold six digits between dashes).
    def is_code(m: EmailMessage) -> bool:
        text = _texts(m)
        return (
            email in str(m.get("To", ""))
            and re.search(r"one-time code|verification code", text, re.I) is not None
            and re.search(r"\b\d{6}\b", text) is not None
        )

    message = await mailbox.wait_for(is_code, timeout=30)
    found = re.search(r"\b(\d{6})\b", _texts(message))
    assert found is not None
    return found.group(1)


async def draw_with_finger(page: Page) -> None:
    """A stroke as touch events (what a phone sends), through the DevTools protocol."""
    area = await page.locator("canvas.pad__canvas").bounding_box()
    assert area is not None
    cdp = await page.context.new_cdp_session(page)
    points = [
        (area["x"] + area["width"] * (0.15 + 0.7 * i / 12), area["y"] + area["height"] * (0.3 + 0.4 * (i % 2)))
        for i in range(13)
    ]
    await cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]}
    )
    for x, y in points[1:]:
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    await cdp.detach()


async def draw_signature(page: Page) -> None:
    canvas = page.locator("canvas.pad__canvas")
    await expect(canvas).to_be_visible()
    area = await canvas.bounding_box()
    assert area is not None
    x, y, w, h = area["x"], area["y"], area["width"], area["height"]
    await page.mouse.move(x + w * 0.1, y + h * 0.6)
    await page.mouse.down()
    for step in range(1, 25):  # a wave across the pad
        await page.mouse.move(x + w * (0.1 + 0.8 * step / 24), y + h * (0.6 - 0.25 * ((step % 6) / 5)), steps=2)
    await page.mouse.up()


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
