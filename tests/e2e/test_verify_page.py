"""The public verification page (/verify) in a real browser: a person picks a PDF and sees the
verdict; the page has the signing page's locked-down headers and asks no other origin."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.signing_browser import browser  # noqa: F401  (a fixture: one Chromium per module)
from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import Flow, flow  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e


async def test_a_person_drops_the_sealed_file_and_then_a_tampered_copy(
    flow: Flow,
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    doc_id, _, _, signed = await complete_one_document(flow, "Checked in a browser")
    tampered = bytearray(signed)
    tampered[200] ^= 0x01
    (tmp_path / "signed.pdf").write_bytes(signed)
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))

    gateway = urlsplit(flow.system.gateway_url).netloc
    elsewhere: list[str] = []
    context = await browser.new_context()
    try:
        page = await context.new_page()
        page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).netloc not in (gateway, "") else None)
        response = await page.goto(flow.system.gateway_url + "/verify")
        assert response is not None and response.status == 200
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"

        await page.set_input_files("#file", str(tmp_path / "signed.pdf"))
        result = page.locator("#result")
        await expect(result).to_have_attribute("data-verdict", "authentic", timeout=30_000)
        await expect(page.locator("#details")).to_contain_text(doc_id)
        assert flow.api.org_id is not None
        await expect(page.locator("#details")).to_contain_text(flow.api.org_id)

        await page.set_input_files("#file", str(tmp_path / "tampered.pdf"))
        await expect(result).to_have_attribute("data-verdict", "tampered", timeout=30_000)
        await expect(page.locator("#verdict-title")).to_have_text("Tampered with")
        await expect(page.locator("#details")).not_to_contain_text(doc_id)
    finally:
        await context.close()
    assert elsewhere == []
