"""The signing page in a real browser, as every browser test drives it: Debian's Chromium through
Playwright (one browser per module, a fresh context per test), the page opened from the link in
the signer's invitation email, screenshots for a person to look at, a signature drawn with the
mouse or a finger, and a one-signer document sent to reach the page at all.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Response, async_playwright, expect

from shared.settings import REPO_ROOT
from tests.e2e.test_signing_flow import Flow, box, signature
from tests.peers import Mailbox

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
# After "Signed" or "You declined" the page follows the redirect URL by itself this much later
# (static/redirect.js): tests move the browser's clock past it (`context.clock.install()`, then
# `page.clock.fast_forward`) instead of waiting it out.
REDIRECT_DELAY_MS = 4000


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


# --- contexts of a given screen, and a document to open -----------------------------------------


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = await browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


async def desktop_context(browser: Browser) -> BrowserContext:
    return await new_context(browser, viewport={"width": 1280, "height": 900})


async def phone_context(browser: Browser) -> BrowserContext:
    return await new_context(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True, is_mobile=True
    )


async def sent_document(flow: Flow, mailbox: Mailbox, name: str, **document: Any) -> tuple[str, str, str]:
    """A sent one-signer document: (document id, signer id, the signer's token)."""
    email = unique_email(name)
    signer: dict[str, Any] = {"email": email, "name": name.title(), "order": 0}
    if "language" in document:  # the signer's, not the document's
        signer["language"] = document.pop("language")
    doc_id, ids = await flow.draft(
        signers=[signer],
        fields=[signature(0), box("text", 0, 120, label="Company")],
        **document,
    )
    await flow.send(doc_id)
    return doc_id, ids[email], await invitation_token(flow, mailbox, email, ids[email])
