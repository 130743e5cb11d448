"""GET /api/v1/org and /api/v1/org/members: the gateway owns organisations and members.

Document counts live in the documents service and are fetched over its internal API.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.auth import caller_context, require_scope
from services.gateway.keys import HTTP, SETTINGS
from services.gateway.org_logo import add_logo_routes
from shared.db import POOL
from shared.internal_client import InternalClient, Unavailable
from shared.problems import Problem
from shared.timefmt import iso
from shared.web import json_response


async def _document_counts(request: web.Request, org_id: str) -> dict[str, int]:
    settings = request.app[SETTINGS]
    documents = InternalClient(request.app[HTTP], settings.documents_url, settings.require_internal_secret(), "gateway")
    try:
        answer = await documents.call("GET", "/internal/org-stats", identity=caller_context(request).identity_headers())
    except Unavailable:
        answer = None
    if answer is None or answer.status != 200 or not isinstance(answer.body, dict):
        raise Problem(502, "The documents service did not answer")
    return answer.body["data"]


async def get_org(request: web.Request) -> web.Response:
    caller = require_scope(request, "org.read")
    org_id = caller.key.org_id
    async with request.app[POOL].acquire() as conn:
        org = await conn.fetchrow("SELECT * FROM gateway.organizations WHERE id = $1", org_id)
        members = await conn.fetchval("SELECT count(*) FROM gateway.members WHERE org_id = $1", org_id)
        keys = await conn.fetchval(
            "SELECT count(*) FROM gateway.api_keys WHERE org_id = $1 AND revoked_at IS NULL", org_id
        )
    counts = await _document_counts(request, org_id)
    return json_response(
        {
            "data": {
                "id": org["id"],
                "name": org["name"],
                "slug": org["slug"],
                "type": org["type"],
                "image": org["image"],
                "signatureLevel": org["signature_level"],
                "timestampProvider": org["timestamp_provider"],
                "defaultOtpMethod": org["default_otp_method"],
                "createdAt": iso(org["created_at"]),
                "updatedAt": iso(org["updated_at"]),
                "_count": {
                    "members": members,
                    "documents": counts.get("documents", 0),
                    "templates": counts.get("templates", 0),
                    "campaigns": counts.get("campaigns", 0),
                    "apiKeys": keys,
                },
            }
        }
    )


async def list_members(request: web.Request) -> web.Response:
    caller = require_scope(request, "org.read")
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, name, email, image, role, joined_at FROM gateway.members WHERE org_id = $1 ORDER BY joined_at, id",
            caller.key.org_id,
        )
    return json_response(
        {
            "data": [
                {
                    "id": r["id"],
                    "name": r["name"],
                    "email": r["email"],
                    "image": r["image"],
                    "role": r["role"],
                    "joinedAt": iso(r["joined_at"]),
                }
                for r in rows
            ]
        }
    )


def add_org_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/org", get_org)
    app.router.add_get("/api/v1/org/members", list_members)
    add_logo_routes(app)  # PUT/DELETE /api/v1/org/logo, GET /brand/logos/{sha256}.png
