"""HTTP handlers of the signing page and its assets (mounted by `mount`).

The page itself knows nothing of the token: the same HTML answers every /sign/{token}, and the
script asks the signing API, which says whether the link is good. So an unknown link costs no
database query here, and the page can show its "this link is not valid" state like any other.
Request logs show these paths as /sign/[token] (shared.web.redact_path).
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.signing_page.assets import ASSETS_PREFIX, Assets, load_assets
from services.gateway.signing_page.config import PageConfig, page_config
from services.gateway.signing_page.headers import asset_headers, page_headers

PAGE_PATH = "/sign/{token}"

_ASSETS: web.AppKey[Assets] = web.AppKey("signing_page_assets", Assets)
_HEADERS: web.AppKey[dict[str, str]] = web.AppKey("signing_page_headers", dict)


async def signing_page(request: web.Request) -> web.Response:
    return web.Response(body=request.app[_ASSETS].html, content_type="text/html", charset="utf-8",
                        headers=request.app[_HEADERS])


async def signing_asset(request: web.Request) -> web.Response:
    assets = request.app[_ASSETS]
    asset = assets.files.get(request.match_info["name"])
    # Only the current version: a stale page must not mix modules of two releases.
    if asset is None or request.match_info["version"] != assets.version:
        raise web.HTTPNotFound()
    return web.Response(body=asset.body, content_type=asset.content_type, headers=asset_headers())


def mount(app: web.Application) -> None:
    config: PageConfig = page_config(app[SETTINGS])  # a bad origin stops start-up with its reason
    app[_ASSETS] = load_assets()
    app[_HEADERS] = page_headers(config)
    app.router.add_get(PAGE_PATH, signing_page)
    app.router.add_get(ASSETS_PREFIX + "/{version}/{name}", signing_asset)
