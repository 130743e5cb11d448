"""HTTP handlers of the signing page and its assets (mounted by `mount`).

The same HTML answers every /sign/{token}, and the script asks the signing API what to show.
Only the status differs: a link that is malformed (no query at all) or that the documents
service does not know answers 404 — with the same friendly page, which then shows its "this link
is not valid" state — so crawlers, link checkers and monitoring see a dead link as one. If the
documents service cannot be asked, the page is served as 200 and its script reports the outage.
Request logs show these paths as /sign/[token] (shared.web.redact_path).
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import HTTP, SETTINGS
from services.gateway.signing_page.assets import ASSETS_PREFIX, Assets, load_assets, page_html
from services.gateway.signing_page.config import PageConfig, page_config
from services.gateway.signing_page.headers import asset_headers, page_headers
from shared.context import SYSTEM
from shared.contracts.path_params import SIGNING_TOKEN
from shared.i18n import DEFAULT_LANGUAGE, negotiate
from shared.internal_client import InternalClient, Unavailable

PAGE_PATH = "/sign/{token}"
LINK_CHECK = "/internal/signing-links/check"  # services/documents/api/signing_routes.py

_ASSETS: web.AppKey[Assets] = web.AppKey("signing_page_assets", Assets)
_PAGE: web.AppKey[dict[str, bytes]] = web.AppKey("signing_page_html", dict)
_HEADERS: web.AppKey[dict[str, str]] = web.AppKey("signing_page_headers", dict)


async def _link_is_known(request: web.Request, token: str) -> bool:
    if not SIGNING_TOKEN.fits(token):
        return False
    settings = request.app[SETTINGS]
    documents = InternalClient(
        request.app[HTTP], settings.upstreams("documents"), settings.require_internal_secret(), "gateway"
    )
    try:
        answer = await documents.call("POST", LINK_CHECK, identity=SYSTEM.identity_headers(), json={"token": token})
    except Unavailable:
        return True  # the page's own call reports the outage
    return answer.status != 404


async def signing_page(request: web.Request) -> web.Response:
    known = await _link_is_known(request, request.match_info["token"])
    # The browser's language until the script learns the signer's (docs/languages.md).
    language = negotiate(request.headers.get("Accept-Language")) or DEFAULT_LANGUAGE
    return web.Response(
        body=request.app[_PAGE][language],
        content_type="text/html",
        charset="utf-8",
        headers=request.app[_HEADERS] | {"Content-Language": language, "Vary": "Accept-Language"},
        status=200 if known else 404,
    )


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
    app[_PAGE] = page_html(app[_ASSETS], config.embed_allowed_origins)
    app[_HEADERS] = page_headers(config)
    app.router.add_get(PAGE_PATH, signing_page)
    app.router.add_get(ASSETS_PREFIX + "/{version}/{name}", signing_asset)
