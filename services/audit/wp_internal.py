"""Internal endpoint for the gateway's WPsigner surface: a document's whole audit trail with who
acted (actor type and id), which the public trail does not expose.

    GET /internal/wpsigner/documents/{id}/events     {"data": [AuditEvent, ...]}  (shared/contracts/wpsigner.py)

The gateway has already resolved the document within the caller's organisation (and checked
ownership) through the documents service; this query is still scoped by that organisation.
WPsigner returns a document's trail in one piece, so there is no cursor, only a cap.
"""

from __future__ import annotations

from aiohttp import web

from shared.callers import add_internal_route
from shared.context import org_id_of
from shared.contracts.wpsigner import AuditEvent
from shared.db import POOL
from shared.ids import is_plausible_id
from shared.problems import not_found
from shared.web import json_response

# A document's trail is a few entries per signer; the cap only bounds a pathological one.
MAX_EVENTS = 10_000


async def document_events(request: web.Request) -> web.Response:
    document_id = request.match_info["id"]
    if not is_plausible_id(document_id):
        raise not_found("Document")
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(
            """SELECT action, created_at, actor_type, actor_id, ip_address, user_agent FROM audit.entries
               WHERE org_id = $1 AND document_id = $2 ORDER BY created_at, position LIMIT $3""",
            org_id_of(request),
            document_id,
            MAX_EVENTS,
        )
    events = [
        AuditEvent(
            action=r["action"],
            createdAt=r["created_at"],
            actorType=r["actor_type"],
            actorId=r["actor_id"],
            ipAddress=r["ip_address"],
            userAgent=r["user_agent"],
        )
        for r in rows
    ]
    return json_response({"data": [event.model_dump(mode="json") for event in events]})


def add_wp_internal_routes(app: web.Application) -> None:
    add_internal_route(app, "GET", "/internal/wpsigner/documents/{id}/events", document_events, callers=("gateway",))
