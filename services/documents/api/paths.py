"""Path prefixes and path parameters of the documents API, shared by its route modules."""

from __future__ import annotations

from aiohttp import web

from shared.ids import is_plausible_id
from shared.problems import not_found

D = "/api/v1/documents"
SIGNING = "/api/v1/signing/{token}"


def path_id(request: web.Request, name: str, what: str) -> str:
    """An id from the path; one that cannot be ours is 404 before any SQL runs, exactly like an
    id that is ours but unknown."""
    value = request.match_info[name]
    if not is_plausible_id(value):
        raise not_found(what)
    return value


def document_id(request: web.Request) -> str:
    return path_id(request, "id", "Document")
