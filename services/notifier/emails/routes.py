"""The notifier's operator endpoints for emails (the `operator` caller only: the CLI).

GET  /internal/emails/dead-letters?limit=50   emails that will not be sent: `failed` (attempts
                                              used up, with the last reason) and `bounced`
POST /internal/emails/{emailId}/requeue       send a `failed` one again from scratch (after
                                              fixing SMTP settings, say)
"""

from __future__ import annotations

from aiohttp import web

from services.notifier.emails import repository as repo
from shared.callers import add_internal_route
from shared.db import POOL
from shared.ids import is_plausible_id
from shared.problems import Problem, not_found
from shared.timefmt import iso
from shared.web import json_response

MAX_LIMIT = 500


async def dead_letters(request: web.Request) -> web.Response:
    try:
        limit = min(MAX_LIMIT, max(1, int(request.query.get("limit", "50"))))
    except ValueError:
        raise Problem(400, "limit must be a number", slug="invalid-query") from None
    async with request.app[POOL].acquire() as conn:
        rows = await repo.dead_letters(conn, limit)
    return json_response(
        {
            "data": [
                {
                    "id": r["id"],
                    "eventId": str(r["event_id"]),
                    "eventType": r["event_type"],
                    "kind": r["kind"],
                    "orgId": r["org_id"],
                    "documentId": r["document_id"],
                    "signerId": r["signer_id"],
                    "recipient": r["recipient"],
                    "status": r["status"],
                    "attempts": r["attempts"],
                    "lastError": r["last_error"],
                    "createdAt": iso(r["created_at"]),
                    "updatedAt": iso(r["updated_at"]),
                }
                for r in rows
            ]
        }
    )


async def requeue(request: web.Request) -> web.Response:
    email_id = request.match_info["emailId"]
    if not is_plausible_id(email_id):
        raise not_found("Email")
    async with request.app[POOL].acquire() as conn:
        if not await repo.requeue_failed(conn, email_id):
            raise not_found("Failed email")
        await repo.notify_workers(conn)
    return json_response({"data": {"id": email_id, "status": "queued"}}, status=202)


def add_email_routes(app: web.Application) -> None:
    # Org-wide by design, so operator-only: the CLI (`countersign emails ...`), never the gateway.
    add_internal_route(app, "GET", "/internal/emails/dead-letters", dead_letters, callers=("operator",))
    add_internal_route(app, "POST", "/internal/emails/{emailId}/requeue", requeue, callers=("operator",))
