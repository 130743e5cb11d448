"""Handlers of the verification page and its assets (mounted by `mount`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.signing_page.config import page_config
from services.gateway.signing_page.headers import page_headers
from services.gateway.static_pages import StaticFiles, load_static

PAGE_PATH = "/verify"
ASSETS_PREFIX = "/verify-page"
STATIC_DIR = Path(__file__).resolve().parent / "static"
_PLACEHOLDER = b"{{ASSETS}}"


@dataclass(frozen=True, slots=True)
class Page:
    html: bytes
    assets: StaticFiles
    headers: dict[str, str]


def load_page(headers: dict[str, str]) -> Page:
    assets = load_static(STATIC_DIR, ASSETS_PREFIX)
    html = (STATIC_DIR / "verify.html").read_bytes().replace(_PLACEHOLDER, assets.base.encode())
    return Page(html, assets, headers)


_PAGE: web.AppKey[Page] = web.AppKey("verify_page", Page)


async def verify_page(request: web.Request) -> web.Response:
    page = request.app[_PAGE]
    return web.Response(body=page.html, content_type="text/html", charset="utf-8", headers=page.headers)


async def verify_asset(request: web.Request) -> web.Response:
    return request.app[_PAGE].assets.answer(request)


def mount(app: web.Application) -> None:
    app[_PAGE] = load_page(page_headers(page_config(app[SETTINGS])))
    app.router.add_get(PAGE_PATH, verify_page)
    app.router.add_get(ASSETS_PREFIX + "/{version}/{name}", verify_asset)
