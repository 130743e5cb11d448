"""Path prefixes and path parameters of the documents API, shared by its route modules: the
prefixes come from the route table (shared/contracts/routes.py), the id parser from shared/web.py."""

from __future__ import annotations

from aiohttp import web

from shared.contracts.routes import DOCUMENTS as D
from shared.contracts.routes import SIGNING
from shared.web import path_id

__all__ = ["D", "SIGNING", "document_id", "path_id"]


def document_id(request: web.Request) -> str:
    return path_id(request, "id", "Document")
