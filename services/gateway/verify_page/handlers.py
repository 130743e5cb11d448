"""Handlers of the verification page and its assets (mounted by `mount`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.signing_page.config import page_config
from services.gateway.signing_page.headers import asset_headers, page_headers

PAGE_PATH = "/verify"
ASSETS_PREFIX = "/verify-page"
STATIC_DIR = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
_PLACEHOLDER = b"{{ASSETS}}"


@dataclass(frozen=True, slots=True)
class Page:
    html: bytes
    files: dict[str, tuple[bytes, str]]  # name -> (body, media type)
    version: str  # a hash of every asset: a deploy changes every URL at once
    headers: dict[str, str]


def load_page(headers: dict[str, str]) -> Page:
    files = {
        p.name: (p.read_bytes(), MEDIA_TYPES[p.suffix])
        for p in sorted(STATIC_DIR.iterdir())
        if p.is_file() and p.suffix in MEDIA_TYPES
    }
    digest = hashlib.sha256()
    for name, (body, _) in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    version = digest.hexdigest()[:16]
    html = (STATIC_DIR / "verify.html").read_bytes().replace(_PLACEHOLDER, f"{ASSETS_PREFIX}/{version}".encode())
    return Page(html, files, version, headers)


_PAGE: web.AppKey[Page] = web.AppKey("verify_page", Page)


async def verify_page(request: web.Request) -> web.Response:
    page = request.app[_PAGE]
    return web.Response(body=page.html, content_type="text/html", charset="utf-8", headers=page.headers)


async def verify_asset(request: web.Request) -> web.Response:
    page = request.app[_PAGE]
    found = page.files.get(request.match_info["name"])
    if found is None or request.match_info["version"] != page.version:
        raise web.HTTPNotFound()
    return web.Response(body=found[0], content_type=found[1], headers=asset_headers())


def mount(app: web.Application) -> None:
    app[_PAGE] = load_page(page_headers(page_config(app[SETTINGS])))
    app.router.add_get(PAGE_PATH, verify_page)
    app.router.add_get(ASSETS_PREFIX + "/{version}/{name}", verify_asset)
