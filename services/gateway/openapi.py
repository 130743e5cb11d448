"""GET /api/v1/openapi.json (no API key) and the /docs page that renders it.

The document is built once at start-up and served as pre-encoded bytes with an ETag. A failure
to build it is logged and answered as a 500 on this one route: the API itself keeps serving.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import metadata

import orjson
from aiohttp import web

from services.gateway.docs_page import add_docs_routes
from services.gateway.keys import SETTINGS
from services.gateway.openapi_build import build_spec
from shared.contracts.routes import OPENAPI_PATH, OPERATIONS
from shared.problems import Problem

log = logging.getLogger("countersign.gateway.openapi")

# (body, etag), or None when the build failed.
_SPEC: web.AppKey[tuple[bytes, str] | None] = web.AppKey("openapi_spec")


def _version() -> str:
    try:
        return metadata.version("countersign")
    except metadata.PackageNotFoundError:  # running from a bare checkout
        return "0.0.0"


def render_spec(public_url: str) -> bytes:
    spec = build_spec(OPERATIONS, public_url, _version())
    return orjson.dumps(spec, option=orjson.OPT_INDENT_2)


async def _build_on_startup(app: web.Application) -> None:
    try:
        body = render_spec(app[SETTINGS].public_url)
    except Exception:  # a broken description must not take the API down with it
        log.exception("could not build the OpenAPI document")
        app[_SPEC] = None
        return
    app[_SPEC] = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


async def serve_spec(request: web.Request) -> web.Response:
    built = request.app.get(_SPEC)
    if built is None:
        raise Problem(500, "The API description could not be generated")
    body, etag = built
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


def add_openapi_routes(app: web.Application) -> None:
    app.on_startup.append(_build_on_startup)
    app.router.add_get(OPENAPI_PATH, serve_spec)
    add_docs_routes(app)
