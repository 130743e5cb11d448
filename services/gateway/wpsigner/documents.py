"""Handlers of the Documents API: /wp-json/wpsigner/v1/documents[/{id}[/send|/file|/audit]].

Each one translates: WPsigner parameters → a core request (the core's own endpoint wherever one
exists, an internal WPsigner endpoint otherwise), the core's answer → the WPsigner shape, the
core's refusal → a WordPress error. No rule is decided here.
"""

from __future__ import annotations

import math

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.wpsigner import core, errors, shapes
from services.gateway.wpsigner.auth import caller_of
from services.gateway.wpsigner.middleware import CONFIG, PREFIX
from services.gateway.wpsigner.params import ListParams, UpdateParams, read_params, validate
from services.gateway.wpsigner.statuses import document_status, status_command, status_filter
from services.gateway.wpsigner.translate import DOCUMENT_PARAMS, error_map, send_error
from shared.contracts.wpsigner import AuditEvent, DocumentDetail, DocumentPage, FileLink
from shared.web import json_response


def _id(request: web.Request) -> str:
    return request.match_info["id"]


async def list_documents(request: web.Request) -> web.Response:
    params = validate(ListParams, {key: request.query[key] for key in request.query})
    if params.search and "\x00" in params.search:
        raise errors.invalid_params({"search": "search must not contain NUL bytes."})
    query: list[tuple[str, str]] = [("page", str(params.page)), ("perPage", str(params.per_page))]
    if params.status:
        statuses, viewed = status_filter(params.status)
        query += [("status", s) for s in statuses]
        if viewed is not None:
            query.append(("viewed", "true" if viewed else "false"))
    if params.search:
        query.append(("search", params.search))
    creators = caller_of(request).creators()
    if creators is not None:
        query += [("creator", key_id) for key_id in creators]
    page = DocumentPage.model_validate(await core.expect(request, "documents", "GET", core.WP_DOCS, params=query))
    headers = {"X-WP-Total": str(page.total), "X-WP-TotalPages": str(math.ceil(page.total / params.per_page))}
    return json_response([shapes.document(row) for row in page.data], headers=headers)


def file_url(request: web.Request, detail: DocumentDetail) -> str | None:
    """Where the file is fetched from: this API's file endpoint (which answers a short-lived
    download URL). WPsigner's file_url names its encrypted storage, no more usable by a client."""
    if detail.fileStatus != "verified":
        return None
    return f"{request.app[SETTINGS].public_url}{PREFIX}/documents/{detail.number}/file"


async def get_document(request: web.Request) -> web.Response:
    detail = await core.detail_by_number(request, _id(request))
    return json_response(shapes.document_detail(detail, file_url(request, detail)))


async def send_detail(request: web.Request, detail: DocumentDetail) -> None:
    numbers = {s.id: s.number for s in detail.signers} | {f.id: f.number for f in detail.fields}
    await core.expect(
        request,
        "documents",
        "POST",
        f"/api/v1/documents/{detail.id}/send",
        json={},
        error=lambda status, body: send_error(status, body, numbers),
    )


async def update_document(request: web.Request) -> web.Response:
    """Title (draft only: the core's rule) and status: `sent` sends, `cancelled` cancels."""
    body = validate(UpdateParams, await read_params(request))
    detail = await core.detail_by_number(request, _id(request))
    if body.title is not None and body.title != detail.name:
        await core.expect(
            request,
            "documents",
            "PATCH",
            f"/api/v1/documents/{detail.id}",
            json={"name": body.title},
            error=error_map(DOCUMENT_PARAMS, "document_not_editable"),
        )
    if body.status is not None:
        command = status_command(document_status(detail.status, detail.anyViewed), body.status)
        if command == "send":
            await send_detail(request, detail)
        elif command == "cancel":
            await core.expect(
                request,
                "documents",
                "POST",
                f"/api/v1/documents/{detail.id}/cancel",
                json={},
                error=error_map(conflict_code="invalid_status_transition"),
            )
    updated = await core.detail(request, detail.id, check_owner=False)
    return json_response(shapes.document(updated))


async def delete_document(request: web.Request) -> web.Response:
    """A permanent delete (WPsigner's semantics), where the core allows a delete at all."""
    ref = await core.resolve(request, _id(request))
    await core.expect(
        request,
        "documents",
        "DELETE",
        f"{core.WP_DOCS}/{ref.id}",
        ok=(204,),
        error=error_map(conflict_code="cannot_delete"),
    )
    return json_response({"deleted": True})


async def send_document(request: web.Request) -> web.Response:
    await read_params(request)  # a body is not needed, but a malformed one is still an error
    detail = await core.detail_by_number(request, _id(request))
    await send_detail(request, detail)
    return json_response({"sent": True, "message": "Document sent successfully."})


async def get_file(request: web.Request) -> web.Response:
    ref = await core.resolve(request, _id(request))  # an unknown or foreign document is still 404 first
    if not caller_of(request).sees_live_links:
        raise errors.read_only_download()
    ttl = request.app[CONFIG].file_url_ttl_seconds
    body = await core.expect(
        request,
        "documents",
        "GET",
        f"{core.WP_DOCS}/{ref.id}/file-url",
        params={"ttl": str(ttl)},
        error=error_map(conflict_code="no_file"),
    )
    link = FileLink.model_validate(body["data"])
    return json_response({"url": link.url, "filename": link.filename, "type": link.type})


async def get_audit(request: web.Request) -> web.Response:
    detail = await core.detail_by_number(request, _id(request))
    body = await core.expect(request, "audit", "GET", f"{core.WP_DOCS}/{detail.id}/events")
    events = [AuditEvent.model_validate(item) for item in body["data"]]
    return json_response(shapes.audit_trail(detail, events))
