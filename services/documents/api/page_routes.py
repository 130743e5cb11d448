"""GET /api/v1/signing/{token}/pages/{page}: a page of the document to sign, as a PNG.

The token is checked as for the PDF itself (signing_service.file_of: live document, one-time code
verified), so an image is never a way around the checks of the signing API. The image is fetched
from the cache or rendered (page_render), and sent with a strong ETag and a private cache
lifetime: the browser shows the pages again without asking, and revalidation after that costs
a session check, never a render.
"""

from __future__ import annotations

import logging

from aiohttp import web
from pydantic import ValidationError

from services.documents.adapters.page_render import RENDERER, PageRenderer, RenderFailed, page_etag
from services.documents.adapters.storage import ObjectChanged, ObjectMissing
from services.documents.adapters.verified_pdf import FileChanged
from services.documents.api.page_scale import RENDER_MAX_PIXELS, effective_scale
from services.documents.commands import signing_service
from services.documents.commands.deps import DEPS
from services.documents.commands.files import UNAVAILABLE, storage_unavailable
from services.documents.domain.verified_file import page_sizes_of
from shared.context import request_context
from shared.contracts.pages import PNG, PageQuery
from shared.contracts.routes import SIGNING
from shared.problems import Problem, pydantic_errors

log = logging.getLogger("countersign.documents.pages")

# Private: the signer's browser only, never a shared cache. An hour covers a signing session
# (pages are not re-fetched while scrolling back and forth) without keeping a document that was
# cancelled around for long; the URL names fixed bytes, so nothing cached is ever stale.
CACHE_CONTROL = "private, max-age=3600"


def _page_number(request: web.Request) -> int:
    raw = request.match_info["page"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 5 or int(raw) < 1:  # "²".isdigit() too
        raise Problem(404, "No such page")
    return int(raw)


def _query(request: web.Request) -> PageQuery:
    # An empty `scale=` is a given value (400), as for every query of the API.
    given = {name: value for name in PageQuery.model_fields if (value := request.query.get(name)) is not None}
    try:
        return PageQuery.model_validate(given)
    except ValidationError as exc:
        raise Problem(400, "The query string is not valid", errors=pydantic_errors(exc), slug="invalid-query") from None


def _not_modified(request: web.Request, etag: str) -> bool:
    candidates = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    return etag in candidates or "*" in candidates


async def page_image(request: web.Request) -> web.Response:
    number = _page_number(request)
    query = _query(request)
    document = await signing_service.file_of(
        request.app[DEPS].pool, request.match_info["token"], request_context(request)
    )
    sizes = page_sizes_of(document)
    if number > len(sizes):
        raise Problem(404, f"No such page: the document has {len(sizes)}")
    scale = effective_scale(*sizes[number - 1], query.scale)
    headers = {
        "ETag": page_etag(document["document_hash"], number, scale),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(request, headers["ETag"]):
        return web.Response(status=304, headers=headers)
    try:
        deps = request.app[DEPS]
        png = await request.app[RENDERER].png(deps.storage, deps.settings, document, number, scale, deps.sandbox)
    except (FileChanged, ObjectMissing, ObjectChanged):
        raise Problem(409, "The document's file is no longer available in storage", slug="file-missing") from None
    except RenderFailed as exc:
        log.warning("page %d of %s could not be rendered: %s", number, document["id"], exc)
        raise Problem(
            503, "This page could not be displayed; the PDF can still be downloaded", slug="page-unavailable"
        ) from None
    except UNAVAILABLE:
        raise storage_unavailable() from None
    return web.Response(body=png, content_type=PNG, headers=headers)


def add_page_routes(app: web.Application) -> None:
    app.router.add_get(SIGNING + "/pages/{page}", page_image, allow_head=False)


def page_renderer() -> PageRenderer:
    """The renderer, bound to the API's caps on an image (api/page_scale.py); one per process."""
    return PageRenderer(RENDER_MAX_PIXELS)
