"""HTTP handlers of the documents service: parse (pydantic) → service call → response.

The gateway forwards /api/v1 paths unchanged after checking the key's scope; the organisation
and actor come from the identity headers it adds (shared.context). Ids that cannot be ours are
404 before any SQL runs, exactly like ids that are ours but unknown.
"""

from __future__ import annotations

from typing import TypeVar

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.documents.api import paths, views
from services.documents.api.paths import D
from services.documents.api.views import dump
from services.documents.commands import field_service, files, service, signer_service
from services.documents.commands.deps import DEPS
from shared.callers import add_internal_route
from shared.context import RequestContext, org_id_of, request_context
from shared.contracts.document_requests import (
    DocumentCreate,
    DocumentListQuery,
    DocumentUpdate,
    FieldCreate,
    FieldUpdate,
    SignerCreate,
    SignerUpdate,
)
from shared.contracts.document_responses import (
    DocumentCreatedResponse,
    DocumentDetailResponse,
    FieldListResponse,
    FieldResponse,
    SignerCreatedResponse,
    SignerListResponse,
    SignerResponse,
)
from shared.contracts.internal import InternalDocumentResponse, OrgStatsResponse
from shared.pagination import PageRequest
from shared.problems import Problem, pydantic_errors
from shared.web import json_response, read_model

QueryT = TypeVar("QueryT", bound=BaseModel)


def _pool(request: web.Request) -> asyncpg.Pool:
    return request.app[DEPS].pool


def _caller(request: web.Request) -> tuple[str, RequestContext]:
    return org_id_of(request), request_context(request)


def parse_query(request: web.Request, model: type[QueryT]) -> QueryT:
    """Query parameters into a model; bad values are 400. An empty parameter (`status=`) is a
    given value, validated as the OpenAPI document describes it, not a silent "absent"."""
    given = {name: value for name in model.model_fields if (value := request.query.get(name)) is not None}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        raise Problem(400, "The query string is not valid", errors=pydantic_errors(exc), slug="invalid-query") from None


def respond(model: BaseModel, status: int = 200) -> web.Response:
    return json_response(dump(model), status)


# --- documents --------------------------------------------------------------------------------


def page_of(request: web.Request) -> PageRequest:
    return PageRequest.from_query(request.query)


async def list_documents(request: web.Request) -> web.Response:
    org_id = org_id_of(request)
    page = page_of(request)
    query = parse_query(request, DocumentListQuery)
    found = await service.list_documents(_pool(request), org_id, status=query.status, search=query.search, page=page)
    return respond(views.document_page(found.rows, found.meta))


async def create_document(request: web.Request) -> web.Response:
    org_id, ctx = _caller(request)
    body = await read_model(request, DocumentCreate)
    row = await service.create_document(_pool(request), org_id, ctx, body.model_dump())
    return respond(DocumentCreatedResponse(data=views.created(row)), 201)


async def get_document(request: web.Request) -> web.Response:
    document_id, pool, org_id = paths.document_id(request), _pool(request), org_id_of(request)
    row = await service.detail_row(pool, org_id, document_id)
    if files.awaits_check(row):
        # A draft's upload that has arrived is verified here, so fileSize/documentHash show without a send.
        await files.verify_pending_upload(request.app[DEPS], org_id, document_id)
        row = await service.detail_row(pool, org_id, document_id)
    return respond(DocumentDetailResponse(data=views.detail_of(row)))


async def update_document(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    org_id, ctx = _caller(request)
    body = await read_model(request, DocumentUpdate)
    row = await service.update_document(_pool(request), org_id, ctx, document_id, body.given())
    return respond(DocumentDetailResponse(data=views.detail_of(row)))


async def delete_document(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    org_id, ctx = _caller(request)
    await service.delete_document(_pool(request), org_id, ctx, document_id)
    return web.Response(status=204)


# --- signers ----------------------------------------------------------------------------------


async def list_signers(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    rows = await signer_service.list_signers(_pool(request), org_id_of(request), document_id)
    return respond(SignerListResponse(data=[views.signer(r) for r in rows]))


async def add_signer(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    org_id, ctx = _caller(request)
    body = await read_model(request, SignerCreate)
    row = await signer_service.add_signer(_pool(request), org_id, ctx, document_id, body.model_dump())
    return respond(SignerCreatedResponse(data=views.signer_created(row)), 201)


async def update_signer(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    signer_id = paths.path_id(request, "signerId", "Signer")
    org_id, ctx = _caller(request)
    body = await read_model(request, SignerUpdate)
    deps = request.app[DEPS]
    row = await signer_service.update_signer(
        deps.pool, deps.settings, org_id, ctx, document_id, signer_id, body.given()
    )
    return respond(SignerResponse(data=views.signer(row)))


async def remove_signer(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    signer_id = paths.path_id(request, "signerId", "Signer")
    org_id, ctx = _caller(request)
    await signer_service.remove_signer(_pool(request), org_id, ctx, document_id, signer_id)
    return web.Response(status=204)


# --- fields -----------------------------------------------------------------------------------


async def list_fields(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    rows = await field_service.list_fields(_pool(request), org_id_of(request), document_id)
    return respond(FieldListResponse(data=[views.form_field(r) for r in rows]))


async def add_field(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    org_id, ctx = _caller(request)
    body = await read_model(request, FieldCreate)
    row = await field_service.add_field(_pool(request), org_id, ctx, document_id, body.model_dump())
    return respond(FieldResponse(data=views.form_field(row)), 201)


async def update_field(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    field_id = paths.path_id(request, "fieldId", "Field")
    org_id, ctx = _caller(request)
    body = await read_model(request, FieldUpdate)
    row = await field_service.update_field(_pool(request), org_id, ctx, document_id, field_id, body.given())
    return respond(FieldResponse(data=views.form_field(row)))


async def remove_field(request: web.Request) -> web.Response:
    document_id = paths.document_id(request)
    field_id = paths.path_id(request, "fieldId", "Field")
    org_id, ctx = _caller(request)
    await field_service.remove_field(_pool(request), org_id, ctx, document_id, field_id)
    return web.Response(status=204)


# --- internal (other services, never public) --------------------------------------------------


async def org_stats(request: web.Request) -> web.Response:
    documents, templates, campaigns = await service.count_documents(_pool(request), org_id_of(request))
    return respond(OrgStatsResponse(data=views.org_stats(documents, templates, campaigns)))


async def internal_document(request: web.Request) -> web.Response:
    """Whether a document exists for the caller's organisation (the audit service's 404s)."""
    document_id = paths.document_id(request)
    row = await service.internal_document(_pool(request), org_id_of(request), document_id)
    return respond(InternalDocumentResponse(data=views.internal(row)))


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(D, list_documents)
    router.add_post(D, create_document)
    router.add_get(D + "/{id}", get_document)
    router.add_patch(D + "/{id}", update_document)
    router.add_delete(D + "/{id}", delete_document)
    router.add_get(D + "/{id}/signers", list_signers)
    router.add_post(D + "/{id}/signers", add_signer)
    router.add_patch(D + "/{id}/signers/{signerId}", update_signer)
    router.add_delete(D + "/{id}/signers/{signerId}", remove_signer)
    router.add_get(D + "/{id}/fields", list_fields)
    router.add_post(D + "/{id}/fields", add_field)
    router.add_patch(D + "/{id}/fields/{fieldId}", update_field)
    router.add_delete(D + "/{id}/fields/{fieldId}", remove_field)
    add_internal_route(app, "GET", "/internal/org-stats", org_stats, callers=("gateway",))
    add_internal_route(app, "GET", "/internal/documents/{id}", internal_document, callers=("audit",))
