"""GET /docs: Swagger UI over /api/v1/openapi.json, every asset served by the gateway itself.

The UI files come from the `swagger-ui-py` package's directory (a maintained PyPI package that
ships the Swagger UI 5 distribution, which renders OpenAPI 3.1); the page and its start-up
script are ours, so no inline script is needed and the Content-Security-Policy can forbid
everything but this origin. Only an allow-list of files is served, never the whole directory.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from services.gateway.keys import SETTINGS
from shared.problems import Problem

DOCS_PATH = "/docs"
ASSETS_PREFIX = "/docs/assets/"
_OWN_STATIC = Path(__file__).resolve().parent / "static"


def swagger_ui_dir() -> Path | None:
    # find_spec locates the package without importing it: its __init__ pulls in framework
    # adapters the gateway does not need.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


def asset_files() -> dict[str, Path]:
    """Name under /docs/assets/ → file. Empty when swagger-ui-py is not installed."""
    vendor = swagger_ui_dir()
    if vendor is None:
        return {}
    return {
        "swagger-ui.css": vendor / "swagger-ui.css",
        "swagger-ui-bundle.js": vendor / "swagger-ui-bundle.js",
        "favicon-32x32.png": vendor / "favicon-32x32.png",
        "docs.css": _OWN_STATIC / "docs.css",
        "docs.js": _OWN_STATIC / "docs.js",
    }


def content_security_policy(public_url: str) -> str:
    # 'self' covers the spec fetch and "Try it out" on this origin; the configured public URL is
    # added in case the page is reached under another name than the one in `servers`.
    public = urlsplit(public_url)
    connect = "'self'" + (f" {public.scheme}://{public.netloc}" if public.scheme and public.netloc else "")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            # Swagger UI's stylesheet draws its icons as data: SVGs.
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_ASSETS: web.AppKey[dict[str, Path]] = web.AppKey("docs_assets")


async def docs_page(request: web.Request) -> web.Response:
    if not request.app[_ASSETS]:
        raise Problem(503, "API docs are unavailable: the swagger-ui-py package is not installed")
    headers = _SECURITY_HEADERS | {
        "Content-Security-Policy": content_security_policy(request.app[SETTINGS].public_url),
        "Cache-Control": "no-cache",
    }
    return web.Response(
        body=(_OWN_STATIC / "docs.html").read_bytes(), content_type="text/html", charset="utf-8", headers=headers
    )


async def docs_asset(request: web.Request) -> web.StreamResponse:
    path = request.app[_ASSETS].get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    # FileResponse answers conditional requests (ETag / Last-Modified) for the 1.5 MB bundle.
    return web.FileResponse(path, headers=_SECURITY_HEADERS | {"Cache-Control": "public, max-age=3600"})


def add_docs_routes(app: web.Application) -> None:
    app[_ASSETS] = asset_files()
    app.router.add_get(DOCS_PATH, docs_page)
    app.router.add_get(ASSETS_PREFIX + "{name}", docs_asset)
