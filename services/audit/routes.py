"""HTTP handlers of the audit service: the audit trail of one document."""

from __future__ import annotations

from aiohttp import web

from services.audit import repository
from services.audit.chain_check import ChainReport, chain_report
from services.audit.documents_client import ensure_document_visible
from services.audit.keys import HTTP
from shared.context import org_id_of, request_context
from shared.contracts.audit import AuditChainVerification, AuditEntry, ChainBreak
from shared.contracts.routes import DOCUMENTS
from shared.db import POOL
from shared.ids import is_plausible_id
from shared.pagination import PageRequest, page_meta
from shared.problems import not_found
from shared.service import SETTINGS
from shared.timefmt import iso
from shared.web import json_response


async def get_audit_trail(request: web.Request) -> web.Response:
    org_id = org_id_of(request)
    document_id = request.match_info["id"]
    if not is_plausible_id(document_id):
        raise not_found("Document")
    page = PageRequest.from_query(request.query)
    settings = request.app[SETTINGS]
    await ensure_document_visible(
        request.app[HTTP],
        settings.upstreams("documents"),
        settings.require_internal_secret(),
        request_context(request),
        document_id,
    )
    after = (page.cursor.created_at, page.cursor.id) if page.cursor else None
    async with request.app[POOL].acquire() as conn:
        # One row beyond the page tells whether another page follows.
        rows = await repository.list_entries(conn, org_id, document_id, page.limit + 1, after)
    shown = rows[: page.limit]
    data = [
        AuditEntry(
            id=row["id"],
            action=row["action"],
            details=row["details"],
            ipAddress=row["ip_address"],
            userAgent=row["user_agent"],
            geoCity=row["geo_city"],
            geoCountry=row["geo_country"],
            createdAt=iso(row["created_at"]) or "",
            position=row["position"],
            prevHash=row["prev_hash"],
            hash=row["hash"],
        ).model_dump()
        for row in shown
    ]
    last_key = (shown[-1]["created_at"], shown[-1]["id"]) if shown else None
    # Shaped as schemas.AuditTrail (the OpenAPI description of this response).
    return json_response({"data": data, "meta": page_meta(data, len(rows), page.limit, last_key)})


async def verify_audit_chain(request: web.Request) -> web.Response:
    document_id = request.match_info["id"]
    if not is_plausible_id(document_id):
        raise not_found("Document")
    settings = request.app[SETTINGS]
    await ensure_document_visible(
        request.app[HTTP],
        settings.upstreams("documents"),
        settings.require_internal_secret(),
        request_context(request),
        document_id,
    )
    async with request.app[POOL].acquire() as conn:
        report = await chain_report(conn, document_id)
    return json_response(verification_body(document_id, report).model_dump())


def verification_body(document_id: str, report: ChainReport) -> AuditChainVerification:
    broken = (
        ChainBreak(position=report.broken_at, entryId=report.entry_id, reason=report.reason or "")
        if report.broken_at is not None
        else None
    )
    return AuditChainVerification(
        documentId=document_id,
        valid=report.ok,
        entries=report.entries,
        headPosition=report.head.position,
        headHash=report.head.hash,
        firstBroken=broken,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(DOCUMENTS + "/{id}/audit", get_audit_trail)
    app.router.add_get(DOCUMENTS + "/{id}/audit/verify", verify_audit_chain)
