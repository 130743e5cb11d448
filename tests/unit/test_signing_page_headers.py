"""The signing page's configuration, headers and assets, and the gateway routes serving them
(a real aiohttp server; no database or upstream service is involved in serving the page)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.documents.pdf.fonts import FONT_DIR
from services.gateway.keys import SETTINGS
from services.gateway.signing_page import mount
from services.gateway.signing_page.assets import SCRIPT_FONT_NAME, STATIC_DIR, load_assets, page_html
from services.gateway.signing_page.config import InvalidOrigin, normalise_origin, page_config
from services.gateway.signing_page.headers import content_security_policy, page_headers
from shared.i18n import LANGUAGES
from shared.settings import Settings


def _settings(**extra: Any) -> Settings:
    return Settings(**extra)  # validated, as from the environment (a comma list is split)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        (" https://[::1]:8443 ", "https://[::1]:8443"),
    ],
)
def test_origins_are_normalised(given: str, expected: str) -> None:
    assert normalise_origin(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "app.example.com",
        "ftp://app.example.com",
        "https://app.example.com/path",
        "https://*.example.com",
        "https://user:pw@app.example.com",
        "https://app.example.com?x=1",
        "https://a b.com",
        "'self'",
        "https://app.example.com:99999",
        "https://app.example.com; script-src *",
    ],
)
def test_anything_but_an_origin_is_refused(given: str) -> None:
    with pytest.raises(InvalidOrigin):
        normalise_origin(given)


def test_embedding_is_off_unless_origins_are_listed() -> None:
    closed = page_config(Settings())
    assert closed.embed_allowed_origins == ()
    headers = page_headers(closed)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"

    listed = page_config(
        _settings(embed_allowed_origins="https://crm.example.com, https://CRM.example.com,http://localhost:3000")
    )
    assert listed.embed_allowed_origins == ("https://crm.example.com", "http://localhost:3000")
    headers = page_headers(listed)
    assert "frame-ancestors https://crm.example.com http://localhost:3000" in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers  # it cannot name several origins; the CSP decides
    assert page_config(_settings(embed_allowed_origins=["https://a.example"])).embed_allowed_origins == (
        "https://a.example",
    )
    with pytest.raises(InvalidOrigin):
        page_config(_settings(embed_allowed_origins=["https://a.example/embed"]))


def test_the_policy_allows_this_origin_only_and_nothing_inline() -> None:
    policy = dict(part.split(" ", 1) for part in content_security_policy(page_config(Settings())).split("; "))
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "font-src", "connect-src"):
        assert policy[directive] == "'self'", directive
    assert policy["img-src"] == "'self' data: blob:"
    assert "unsafe" not in " ".join(policy.values())
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'" and policy["object-src"] == "'none'"


def test_assets_are_versioned_complete_and_free_of_inline_code() -> None:
    assets = load_assets()
    assert load_assets().version == assets.version  # stable across loads
    html = assets.html.decode()
    assert "{{ASSETS}}" not in html and f'src="{assets.base}/main.js"' in html
    # No inline script, no style element or attribute, no handler attribute: the CSP would refuse them.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    # Every module import, stylesheet url() and HTML reference names a served file.
    referenced = set(re.findall(r'(?:href|src)="' + re.escape(assets.base) + r'/([^"]+)"', html))
    for name, asset in assets.files.items():
        text = asset.body.decode(errors="ignore")
        if name.endswith(".js"):
            referenced |= set(re.findall(r'from "\./([^"]+)"', text))
            assert "innerHTML" not in text and "eval(" not in text and "document.write" not in text, name
        if name.endswith(".css"):
            referenced |= set(re.findall(r'url\("([^"]+)"\)', text))
    assert referenced and referenced <= set(assets.files), referenced - set(assets.files)
    # The script font is the signed PDF's own file, served, not copied.
    assert assets.files[SCRIPT_FONT_NAME].body == (FONT_DIR / "DancingScript-Regular.ttf").read_bytes()
    assert not list(STATIC_DIR.glob("*.ttf"))


def test_the_page_lists_the_embedding_origins_for_its_script_and_nothing_else() -> None:
    assets = load_assets()
    closed_pages = page_html(assets, ())
    listed_pages = page_html(assets, ("https://crm.example.com", "http://localhost:3000"))
    # One page per language (docs/languages.md), each with the origins filled in.
    assert set(closed_pages) == set(listed_pages) == set(LANGUAGES)
    for code in LANGUAGES:
        closed = closed_pages[code].decode()
        assert '<meta name="countersign-embed-origins" content="">' in closed and "{{" not in closed
        assert f'<html lang="{code}"' in closed
        listed = listed_pages[code].decode()
        assert (
            '<meta name="countersign-embed-origins" content="https://crm.example.com http://localhost:3000">' in listed
        )
        # Only that differs: the page stays the same for every signer of a language.
        assert listed.replace("https://crm.example.com http://localhost:3000", "") == closed


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    app = web.Application()
    app[SETTINGS] = _settings(embed_allowed_origins=["https://crm.example.com"])
    mount(app)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_the_page_and_its_assets_are_served_with_their_headers(client: TestClient) -> None:
    # A malformed token: 404 at once (no documents service asked), with the page and its headers.
    page = await client.get("/sign/" + "t" * 40)
    assert page.status == 404 and page.content_type == "text/html"
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors https://crm.example.com" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert "t" * 40 not in html  # the token is never written into the page
    assert '<meta name="countersign-embed-origins" content="https://crm.example.com">' in html
    base = re.search(r'src="(/signing-page/[0-9a-f]+)/main\.js"', html)
    assert base is not None

    script = await client.get(base.group(1) + "/main.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "immutable" in script.headers["Cache-Control"] and script.headers["X-Content-Type-Options"] == "nosniff"
    font = await client.get(base.group(1) + "/" + SCRIPT_FONT_NAME)
    assert font.status == 200 and font.content_type == "font/ttf"
    for path in (
        "/signing-page/0000/main.js",
        base.group(1) + "/page.html",
        base.group(1) + "/../assets.py",
        base.group(1) + "/nope.js",
    ):
        assert (await client.get(path)).status == 404, path
