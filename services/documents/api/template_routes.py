"""HTTP handlers of /api/v1/templates (docs/templates.md): parse → use case → view."""

from __future__ import annotations

from aiohttp import web

from services.documents.api import template_views as views
from services.documents.api.file_routes import upload_answer
from services.documents.api.routes import page_of, parse_query, respond
from services.documents.api.views import detail_of as document_detail
from services.documents.commands import service, template_parts, templates
from services.documents.commands.deps import DEPS
from services.documents.commands.template_documents import Instance, use_template
from services.documents.domain.template_use import Person
from shared.context import org_id_of, request_context, require_granted
from shared.contracts.document_requests import FieldCreate, FieldUpdate
from shared.contracts.document_responses import DocumentDetailResponse
from shared.contracts.files import UploadRequest
from shared.contracts.routes import TEMPLATES as T
from shared.contracts.templates import (
    RoleCreate,
    RoleUpdate,
    TemplateCreate,
    TemplateDetailResponse,
    TemplateFieldListResponse,
    TemplateFieldResponse,
    TemplateListQuery,
    TemplateRoleListResponse,
    TemplateRoleResponse,
    TemplateUpdate,
    TemplateUse,
)
from shared.web import path_id, read_model


def _template_id(request: web.Request) -> str:
    return path_id(request, "id", "Template")


async def list_templates(request: web.Request) -> web.Response:
    query = parse_query(request, TemplateListQuery)
    found = await templates.list_templates(
        request.app[DEPS].pool, org_id_of(request), category=query.category, search=query.search, page=page_of(request)
    )
    return respond(views.template_page(found.rows, found.meta))


async def create_template(request: web.Request) -> web.Response:
    body = await read_model(request, TemplateCreate)
    row = await templates.create_template(
        request.app[DEPS].pool, org_id_of(request), request_context(request), body.model_dump(exclude_unset=True)
    )
    return respond(TemplateDetailResponse(data=views.detail_of(row)), 201)


async def get_template(request: web.Request) -> web.Response:
    row = await templates.get_template(request.app[DEPS], org_id_of(request), _template_id(request))
    return respond(TemplateDetailResponse(data=views.detail_of(row)))


async def update_template(request: web.Request) -> web.Response:
    template_id = _template_id(request)
    body = await read_model(request, TemplateUpdate)
    row = await templates.update_template(request.app[DEPS].pool, org_id_of(request), template_id, body.given())
    return respond(TemplateDetailResponse(data=views.detail_of(row)))


async def delete_template(request: web.Request) -> web.Response:
    await templates.delete_template(request.app[DEPS].pool, org_id_of(request), _template_id(request))
    return web.Response(status=204)


async def request_upload(request: web.Request) -> web.Response:
    template_id = _template_id(request)
    body = await read_model(request, UploadRequest)
    grant = await templates.request_upload(
        request.app[DEPS],
        org_id_of(request),
        request_context(request),
        template_id,
        filename=body.filename,
        content_type=body.contentType,
        file_size=body.fileSize,
    )
    return upload_answer(grant)


async def use(request: web.Request) -> web.Response:
    template_id = _template_id(request)
    org_id, ctx, deps = org_id_of(request), request_context(request), request.app[DEPS]
    body = await read_model(request, TemplateUse)
    if body.send:
        require_granted(request, "documents.send")
    instance = Instance(
        people=[Person(s.name, s.email, s.phone, s.language) for s in body.signers],
        prefill=body.prefill,
        name=body.name,
        message=body.message,
        expires_at=body.expiresAt,
    )
    document_id = await use_template(deps, org_id, ctx, template_id, instance, send=body.send)
    row = await service.detail_row(deps.pool, org_id, document_id)
    return respond(DocumentDetailResponse(data=document_detail(row)), 201)


# --- roles ------------------------------------------------------------------------------------


async def list_roles(request: web.Request) -> web.Response:
    rows = await template_parts.list_roles(request.app[DEPS].pool, org_id_of(request), _template_id(request))
    return respond(TemplateRoleListResponse(data=[views.role(r) for r in rows]))


async def add_role(request: web.Request) -> web.Response:
    template_id = _template_id(request)
    body = await read_model(request, RoleCreate)
    row = await template_parts.add_role(request.app[DEPS].pool, org_id_of(request), template_id, body.model_dump())
    return respond(TemplateRoleResponse(data=views.role(row)), 201)


async def update_role(request: web.Request) -> web.Response:
    template_id, role_id = _template_id(request), path_id(request, "roleId", "Role")
    body = await read_model(request, RoleUpdate)
    row = await template_parts.update_role(
        request.app[DEPS].pool, org_id_of(request), template_id, role_id, body.given()
    )
    return respond(TemplateRoleResponse(data=views.role(row)))


async def remove_role(request: web.Request) -> web.Response:
    template_id, role_id = _template_id(request), path_id(request, "roleId", "Role")
    await template_parts.remove_role(request.app[DEPS].pool, org_id_of(request), template_id, role_id)
    return web.Response(status=204)


# --- fields -----------------------------------------------------------------------------------


async def list_fields(request: web.Request) -> web.Response:
    rows = await template_parts.list_fields(request.app[DEPS].pool, org_id_of(request), _template_id(request))
    return respond(TemplateFieldListResponse(data=[views.field(r) for r in rows]))


async def add_field(request: web.Request) -> web.Response:
    template_id = _template_id(request)
    body = await read_model(request, FieldCreate)
    row = await template_parts.add_field(request.app[DEPS].pool, org_id_of(request), template_id, body.model_dump())
    return respond(TemplateFieldResponse(data=views.field(row)), 201)


async def update_field(request: web.Request) -> web.Response:
    template_id, field_id = _template_id(request), path_id(request, "fieldId", "Field")
    body = await read_model(request, FieldUpdate)
    row = await template_parts.update_field(
        request.app[DEPS].pool, org_id_of(request), template_id, field_id, body.given()
    )
    return respond(TemplateFieldResponse(data=views.field(row)))


async def remove_field(request: web.Request) -> web.Response:
    template_id, field_id = _template_id(request), path_id(request, "fieldId", "Field")
    await template_parts.remove_field(request.app[DEPS].pool, org_id_of(request), template_id, field_id)
    return web.Response(status=204)


def add_template_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(T, list_templates)
    router.add_post(T, create_template)
    router.add_get(T + "/{id}", get_template)
    router.add_patch(T + "/{id}", update_template)
    router.add_delete(T + "/{id}", delete_template)
    router.add_post(T + "/{id}/upload", request_upload)
    router.add_post(T + "/{id}/use", use)
    router.add_get(T + "/{id}/roles", list_roles)
    router.add_post(T + "/{id}/roles", add_role)
    router.add_patch(T + "/{id}/roles/{roleId}", update_role)
    router.add_delete(T + "/{id}/roles/{roleId}", remove_role)
    router.add_get(T + "/{id}/fields", list_fields)
    router.add_post(T + "/{id}/fields", add_field)
    router.add_patch(T + "/{id}/fields/{fieldId}", update_field)
    router.add_delete(T + "/{id}/fields/{fieldId}", remove_field)
