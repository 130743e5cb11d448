"""Handlers of the campaign page and its assets (mounted by `mount`).

The page asks the documents service what to show (GET /internal/campaigns/{id}/page): an open
campaign is its form (200); a paused or full one 409 and a closed or expired one 410, each with
its own words; an unknown link 404 (counted by the signing guard against the address, like an
unknown signing token); the documents service away, 503.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from services.gateway.campaign_page.render import form_page, state_page
from services.gateway.keys import HTTP, SETTINGS
from services.gateway.signing_page.config import page_config
from services.gateway.signing_page.headers import page_headers
from services.gateway.static_pages import StaticFiles, load_static
from shared.context import SYSTEM
from shared.contracts.path_params import CAMPAIGN_ID
from shared.internal_client import InternalClient, Unavailable

PAGE_PATH = "/sign/campaign/{id}"
ASSETS_PREFIX = "/campaign-page"
STATIC_DIR = Path(__file__).resolve().parent / "static"
_STATUS = {"campaign-paused": 409, "campaign-full": 409, "campaign-closed": 410, "campaign-expired": 410}

_ASSETS: web.AppKey[StaticFiles] = web.AppKey("campaign_page_assets", StaticFiles)
_HEADERS: web.AppKey[dict[str, str]] = web.AppKey("campaign_page_headers", dict)


def _html(request: web.Request, text: str, status: int) -> web.Response:
    return web.Response(
        text=text, content_type="text/html", charset="utf-8", headers=request.app[_HEADERS], status=status
    )


async def campaign_page(request: web.Request) -> web.Response:
    campaign_id, assets = request.match_info["id"], request.app[_ASSETS].base
    if not CAMPAIGN_ID.fits(campaign_id):
        return _html(request, state_page("not-found", assets), 404)
    settings = request.app[SETTINGS]
    documents = InternalClient(
        request.app[HTTP], settings.upstreams("documents"), settings.require_internal_secret(), "gateway"
    )
    try:
        answer = await documents.call(
            "GET", f"/internal/campaigns/{campaign_id}/page", identity=SYSTEM.identity_headers()
        )
    except Unavailable:
        return _html(request, state_page("unavailable", assets), 503)
    if answer.status == 404:
        return _html(request, state_page("not-found", assets), 404)
    if answer.status != 200 or not isinstance(answer.body, dict):
        return _html(request, state_page("unavailable", assets), 503)
    view = answer.body
    state = view.get("state")
    if state == "open":
        return _html(request, form_page(campaign_id, view, assets), 200)
    if state in _STATUS:
        return _html(request, state_page(state, assets), _STATUS[state])
    return _html(request, state_page("unavailable", assets), 503)


async def campaign_asset(request: web.Request) -> web.Response:
    return request.app[_ASSETS].answer(request)


def mount(app: web.Application) -> None:
    app[_ASSETS] = load_static(STATIC_DIR, ASSETS_PREFIX)
    app[_HEADERS] = page_headers(page_config(app[SETTINGS]))
    app.router.add_get(PAGE_PATH, campaign_page)
    app.router.add_get(ASSETS_PREFIX + "/{version}/{name}", campaign_asset)
