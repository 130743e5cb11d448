"""Embedded signing in a real browser: the example parent page of docs/ frames /sign/{token} and
records the page's messages through a full signing and a decline; a parent whose origin is not in
EMBED_ALLOWED_ORIGINS cannot frame the page (CSP frame-ancestors) and receives nothing; after
signing or declining, the signer lands on their redirectUrl.

The parent is docs/examples/embedded-signing.html, served by a small local server with the
gateway's address and the signer's link put in. The same server answers as http://127.0.0.1:P
(in the allow-list of a gateway started for this module) and as http://localhost:P (not in it):
two origins, one page. Helpers and the browser come from signing_browser.py.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import BrowserContext, FrameLocator, Page, Route, expect

from services.gateway.app import create_app as gateway_app
from shared.settings import REPO_ROOT
from tests.e2e.signing_browser import (  # noqa: F401  (browser, context: fixtures)
    REDIRECT_DELAY_MS,
    browser,
    context,
    invitation_token,
    open_page,
    shoot,
    unique_email,
    watched_page,
)
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.harness import _listening_socket, serve
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
EXAMPLE = REPO_ROOT / "docs" / "examples" / "embedded-signing.html"
EXAMPLE_SERVER = "https://sign.example.com"
# Every message the parent window receives, from anyone (the example keeps only Countersign's).
RECORD_ALL = """window.allMessages = [];
window.addEventListener("message", (event) => window.allMessages.push({ origin: event.origin, data: event.data }));"""


@dataclass
class Embedding:
    gateway: str  # a gateway with EMBED_ALLOWED_ORIGINS = the parent's allowed origin
    allowed: str  # http://127.0.0.1:P
    refused: str  # http://localhost:P: the same server, another origin

    def parent_url(self, origin: str, token: str) -> str:
        return f"{origin}/embed?token={token}"


@pytest.fixture(scope="module")
async def embedding(system) -> AsyncIterator[Embedding]:  # type: ignore[no-untyped-def]
    parent_socket = _listening_socket()
    port = parent_socket.getsockname()[1]
    allowed = f"http://127.0.0.1:{port}"
    settings = system.settings.model_copy(update={"embed_allowed_origins": [allowed]})
    gateway = await serve("gateway-embeddable", gateway_app(settings), _listening_socket())
    example = EXAMPLE.read_text()

    async def parent_page(request: web.Request) -> web.Response:
        token = request.query["token"]
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        html = example.replace(f"{EXAMPLE_SERVER}/sign/TOKEN", f"{gateway.url}/sign/{token}")
        return web.Response(text=html.replace(EXAMPLE_SERVER, gateway.url), content_type="text/html")

    app = web.Application()
    app.router.add_get("/embed", parent_page)
    parent = await serve("embedding-parent", app, parent_socket)
    yield Embedding(gateway.url, allowed, f"http://localhost:{port}")
    await parent.runner.cleanup()
    await gateway.runner.cleanup()


async def _sent(flow: Flow, mailbox: Mailbox, name: str, **signer: Any) -> tuple[str, str, str, str]:
    """A sent one-signer document: (document id, signer id, token, email)."""
    email = unique_email(name)
    doc_id, ids = await flow.draft(
        signers=[{"email": email, "name": name.title(), "order": 0, **signer}],
        fields=[signature(0), box("text", 0, 120, label="Company")],
    )
    await flow.send(doc_id)
    return doc_id, ids[email], await invitation_token(flow, mailbox, email, ids[email]), email


async def _parent(context: BrowserContext, url: str) -> Page:
    page, _, _ = await watched_page(context)
    await page.add_init_script(RECORD_ALL)
    response = await page.goto(url)
    assert response is not None and response.status == 200
    return page


async def _events(page: Page, count: int) -> list[dict[str, Any]]:
    """The example's record of Countersign's messages, once it holds `count` of them."""
    await page.wait_for_function("(n) => (window.countersignEvents || []).length >= n", arg=count)
    return list(await page.evaluate("() => window.countersignEvents"))


async def _sign_in(scope: FrameLocator | Page) -> None:
    """Fill the company, type the signature, agree and finish (the page or its frame)."""
    await scope.locator("#next-field").click()
    await expect(scope.locator("#editor-title")).to_have_text("Company")
    await scope.locator("#editor-body input").fill("Frame Ltd")
    await scope.locator("#editor-next").click()
    await expect(scope.locator("#editor-title")).to_have_text("Signature")
    await scope.get_by_role("button", name="Type", exact=True).click()
    await scope.locator("#editor-body input").fill("Fay Frame")
    await scope.locator("#editor-next").click()  # "Done": to the finish card
    await scope.locator("#consent").check()
    await scope.locator("#finish").click()


async def test_an_allowed_parent_hears_loaded_then_signed(
    flow: Flow, context: BrowserContext, mailbox: Mailbox, embedding: Embedding
) -> None:
    doc_id, signer_id, token, email = await _sent(flow, mailbox, "fay")
    page = await _parent(context, embedding.parent_url(embedding.allowed, token))
    frame = page.frame_locator("#countersign")
    await expect(frame.get_by_role("heading", name="Review and sign")).to_be_visible()
    ids = {"documentId": doc_id, "signerId": signer_id}
    assert await _events(page, 1) == [{"type": "countersign:loaded", **ids}]
    await shoot(page, "embedded-loaded", full_page=False)

    await _sign_in(frame)
    await expect(frame.get_by_role("heading", name="Signed")).to_be_visible()
    assert await _events(page, 2) == [
        {"type": "countersign:loaded", **ids},
        {"type": "countersign:signed", **ids, "role": "signer"},
    ]
    await expect(page.locator("#events li")).to_have_count(2)
    await shoot(page, "embedded-signed", full_page=False)
    assert [s["status"] for s in (await flow.document(doc_id))["signers"]] == ["completed"]
    # Every message came from the signing page's origin, and none carries a secret.
    received = await page.evaluate("() => window.allMessages")
    assert {m["origin"] for m in received} == {embedding.gateway}
    assert token not in json.dumps(received) and email not in json.dumps(received)


async def test_an_allowed_parent_hears_declined(
    flow: Flow, context: BrowserContext, mailbox: Mailbox, embedding: Embedding
) -> None:
    doc_id, signer_id, token, _ = await _sent(flow, mailbox, "dee")
    page = await _parent(context, embedding.parent_url(embedding.allowed, token))
    frame = page.frame_locator("#countersign")
    await frame.locator("#decline-open").click()
    await frame.locator("#decline-reason").fill("Not the agreed price")
    await frame.locator("#decline-confirm").click()
    await expect(frame.get_by_role("heading", name="You declined to sign")).to_be_visible()
    ids = {"documentId": doc_id, "signerId": signer_id}
    assert await _events(page, 2) == [{"type": "countersign:loaded", **ids}, {"type": "countersign:declined", **ids}]
    assert (await flow.document(doc_id))["status"] == "declined"


async def test_an_allowed_parent_hears_an_error(
    flow: Flow, context: BrowserContext, mailbox: Mailbox, embedding: Embedding
) -> None:
    doc_id, _, token, _ = await _sent(flow, mailbox, "eli")
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    page = await _parent(context, embedding.parent_url(embedding.allowed, token))
    await expect(
        page.frame_locator("#countersign").get_by_role("heading", name="This document was cancelled")
    ).to_be_visible()
    assert await _events(page, 1) == [{"type": "countersign:error", "error": "document-cancelled"}]

    unknown = await _parent(context, embedding.parent_url(embedding.allowed, secrets.token_urlsafe(32)))
    assert await _events(unknown, 1) == [{"type": "countersign:error", "error": "unknown"}]


async def test_a_parent_not_in_the_list_cannot_frame_the_page_and_hears_nothing(
    flow: Flow, context: BrowserContext, mailbox: Mailbox, embedding: Embedding
) -> None:
    _, signer_id, token, _ = await _sent(flow, mailbox, "nia")
    page, _, console_errors = await watched_page(context)
    await page.add_init_script(RECORD_ALL)
    await page.goto(embedding.parent_url(embedding.refused, token))  # waits for the frame's load too

    assert any("frame-ancestors" in text for text in console_errors), console_errors
    frame = next(f for f in page.frames if f != page.main_frame)
    assert not frame.url.startswith(embedding.gateway)  # the browser's error page, not ours
    await expect(page.frame_locator("#countersign").locator("#view")).to_have_count(0)
    # The page's script never ran: the signer was not even marked as having viewed it.
    viewed = await flow.db.fetchval("SELECT viewed_at FROM documents.signers WHERE id = $1", signer_id)
    assert viewed is None
    assert await page.evaluate("() => window.allMessages") == []
    assert await page.evaluate("() => window.countersignEvents") == []


async def _thanks(route: Route) -> None:
    await route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Thanks</title><h1>Thanks</h1>"
    )


async def test_after_signing_or_declining_the_signer_lands_on_their_redirect_url(
    flow: Flow, context: BrowserContext, mailbox: Mailbox
) -> None:
    await context.clock.install()  # the redirects' delay is skipped (REDIRECT_DELAY_MS)
    # The signer's own redirectUrl wins over the document's.
    email = unique_email("rob")
    doc_id, ids = await flow.draft(
        redirectUrl="https://docs.example.net/after",
        signers=[
            {"email": email, "name": "Rob Redirect", "order": 0, "redirectUrl": "https://crm.example.net/done?deal=7"}
        ],
        fields=[signature(0), box("text", 0, 120, label="Company")],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    await context.route(re.compile(r"^https://(crm|docs)\.example\.net/.*"), _thanks)
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    await _sign_in(page)
    await expect(page.get_by_role("heading", name="Signed")).to_be_visible()
    await expect(page.locator("#continue")).to_have_attribute("href", "https://crm.example.net/done?deal=7")
    await page.clock.fast_forward(REDIRECT_DELAY_MS)
    await page.wait_for_url("https://crm.example.net/done?deal=7")
    await expect(page.get_by_role("heading", name="Thanks")).to_be_visible()
    assert [s["status"] for s in (await flow.document(doc_id))["signers"]] == ["completed"]

    # Declining, with the document's redirectUrl only.
    email = unique_email("dot")
    doc_id, ids = await flow.draft(
        redirectUrl="https://docs.example.net/after",
        signers=[{"email": email, "name": "Dot Decliner", "order": 0}],
        fields=[signature(0)],
    )
    await flow.send(doc_id)
    token = await invitation_token(flow, mailbox, email, ids[email])
    opened = await open_page(context, flow.system.gateway_url, token)
    page = opened.page
    await page.locator("#decline-open").click()
    await page.locator("#decline-reason").fill("Wrong company")
    await page.locator("#decline-confirm").click()
    await expect(page.get_by_role("heading", name="You declined to sign")).to_be_visible()
    await expect(page.locator("#continue")).to_be_visible()
    await page.clock.fast_forward(REDIRECT_DELAY_MS)
    await page.wait_for_url("https://docs.example.net/after")
    assert (await flow.document(doc_id))["status"] == "declined"
