"""The signing page's HTTP status: 404 for a malformed or unknown link, 200 for every link that
opens something (even a document that has ended), the same friendly page either way, and no
side effect on the signer (opening the page is not "viewed"; the page's own API call is)."""

from __future__ import annotations

import secrets

import aiohttp
import pytest

from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow: a fixture)

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"


async def _page(http: aiohttp.ClientSession, flow: Flow, token: str) -> tuple[int, str]:
    async with http.get(f"{flow.system.gateway_url}/sign/{token}") as resp:
        assert resp.headers["Content-Type"].startswith("text/html")
        assert resp.headers["X-Frame-Options"] == "DENY"  # the page's own headers, 404 included
        return resp.status, await resp.text()


async def _sent(flow: Flow) -> tuple[str, str, str]:
    doc_id, ids = await flow.draft(
        signers=[{"email": "pia@example.com", "name": "Pia", "order": 0}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    signer_id = ids["pia@example.com"]
    return doc_id, signer_id, await flow.link(signer_id)


@pytest.mark.parametrize(
    "token",
    ["nope", "a" * 42, "a" * 200, "bad!token", pytest.param(secrets.token_urlsafe(32), id="well-formed-unknown")],
)
async def test_a_malformed_or_unknown_link_is_404_with_the_friendly_page(
    flow: Flow, http: aiohttp.ClientSession, token: str
) -> None:
    status, html = await _page(http, flow, token)
    good_status, good_html = await _page(http, flow, (await _sent(flow))[2])
    assert (status, good_status) == (404, 200)
    assert html == good_html  # the same page: its script shows "This link isn't valid"


async def test_a_live_link_is_200_and_opening_the_page_marks_nothing(flow: Flow, http: aiohttp.ClientSession) -> None:
    doc_id, signer_id, token = await _sent(flow)
    status, _ = await _page(http, flow, token)
    assert status == 200
    signer = await flow.db.fetchrow("SELECT status, viewed_at FROM documents.signers WHERE id = $1", signer_id)
    assert signer["status"] != "viewed" and signer["viewed_at"] is None
    assert "signer.viewed" not in await flow.event_types(doc_id)


async def test_a_replaced_link_is_404_and_an_ended_document_still_has_its_page(
    flow: Flow, http: aiohttp.ClientSession
) -> None:
    doc_id, signer_id, old = await _sent(flow)
    new = await flow.embedded_link(doc_id, signer_id)  # a fresh link replaces the old one
    assert new != old
    assert (await _page(http, flow, old))[0] == 404
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    assert (await _page(http, flow, new))[0] == 200  # the page says the document was cancelled
