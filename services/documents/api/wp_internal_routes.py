"""Internal endpoints for the gateway's WPsigner surface (never public; the internal secret).

    GET    /internal/wpsigner/documents?page&perPage&status*&viewed&search&creator*   page + total
    GET    /internal/wpsigner/documents/{ref}           detail; ref = WPsigner number or core id
    GET    /internal/wpsigner/documents/{ref}/ref       id, number, status, creator (cheap)
    DELETE /internal/wpsigner/documents/{id}            permanent delete (204)
    GET    /internal/wpsigner/documents/{id}/file-url?ttl=N   presigned download URL

Bodies are shaped by the models of the WPsigner internal contract (shared/contracts/wpsigner.py),
which the gateway reads back and translates into WPsigner shapes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.documents.commands import wp_internal
from services.documents.commands.deps import DEPS
from shared.callers import add_internal_route
from shared.context import org_id_of, request_context
from shared.contracts.wpsigner import (
    WPSIGNER_DOCUMENTS,
    DocumentDetail,
    DocumentPage,
    DocumentRef,
    DocumentRow,
    FileLink,
    FormField,
    ListQuery,
    Signer,
)
from shared.ids import is_plausible_id
from shared.problems import Problem, not_found, pydantic_errors
from shared.web import json_response

P = WPSIGNER_DOCUMENTS


def _row(record: Any) -> dict[str, Any]:
    return {
        "number": record["number"],
        "id": record["id"],
        "name": record["name"],
        "status": record["status"],
        "anyViewed": record["any_viewed"],
        "fileName": record["file_name"],
        "pageCount": record["page_count"],
        "createdBy": record["created_by"],
        "expiresAt": record["expires_at"],
        "completedAt": record["completed_at"],
        "createdAt": record["created_at"],
        "updatedAt": record["updated_at"],
    }


def _signer(r: Any) -> Signer:
    return Signer(
        number=r["number"],
        id=r["id"],
        name=r["name"],
        email=r["email"],
        role=r["role"],
        order=r["signing_order"],
        status=r["status"],
        viewedAt=r["viewed_at"],
        signedAt=r["signed_at"],
        declinedAt=r["declined_at"],
        declineReason=r["decline_reason"],
        createdAt=r["created_at"],
        updatedAt=r["updated_at"],
    )


def _field(r: Any, values: dict[str, Any]) -> FormField:
    return FormField(
        number=r["number"],
        id=r["id"],
        type=r["type"],
        label=r["label"],
        page=r["page"],
        x=r["x"],
        y=r["y"],
        width=r["width"],
        height=r["height"],
        required=r["required"],
        readOnly=r["read_only"],
        assignedTo=r["assigned_to"],
        placeholder=r["placeholder"],
        defaultValue=r["default_value"],
        options=r["options"],
        value=values.get(r["id"]),
        createdAt=r["created_at"],
        updatedAt=r["updated_at"],
    )


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _ref(request: web.Request) -> str:
    value = request.match_info["ref"]
    # Numbers are bigints: more than 18 digits cannot be one, and must not reach int().
    if not is_plausible_id(value) or (value.isdigit() and len(value) > 18):
        raise not_found("Document")
    return value


def _core_id(request: web.Request) -> str:
    value = _ref(request)
    if value.isdigit():
        raise not_found("Document")
    return value


def _list_query(request: web.Request) -> ListQuery:
    given: dict[str, Any] = {
        key: request.query.get(key) for key in ("page", "perPage", "viewed", "search") if request.query.get(key)
    }
    given["status"] = request.query.getall("status", [])
    # No `creator` at all: anyone's documents (admin credentials); otherwise only those.
    if "creator" in request.query:
        given["creator"] = [c for c in request.query.getall("creator") if c]
    try:
        return ListQuery.model_validate(given)
    except ValidationError as exc:
        raise Problem(400, "The query string is not valid", errors=pydantic_errors(exc), slug="invalid-query") from None


async def list_documents(request: web.Request) -> web.Response:
    query = _list_query(request)
    flt = wp_internal.ListFilter(
        tuple(query.status), query.viewed, query.search, tuple(query.creator) if query.creator is not None else None
    )
    rows, total = await wp_internal.list_page(
        request.app[DEPS].pool, org_id_of(request), flt, query.perPage, (query.page - 1) * query.perPage
    )
    return json_response(_dump(DocumentPage(data=[DocumentRow(**_row(r)) for r in rows], total=total)))


async def get_ref(request: web.Request) -> web.Response:
    async with request.app[DEPS].pool.acquire() as conn:
        found = await wp_internal.find_ref(conn, org_id_of(request), _ref(request))
    if found is None:
        raise not_found("Document")
    ref = DocumentRef(
        id=found["id"],
        number=found["number"],
        name=found["name"],
        status=found["status"],
        createdBy=found["created_by"],
    )
    return json_response({"data": _dump(ref)})


async def get_detail(request: web.Request) -> web.Response:
    detail = await wp_internal.load_detail(request.app[DEPS], org_id_of(request), _ref(request))
    d = detail.document
    document = DocumentDetail(
        **_row(d),
        fileStatus=d["file_status"],
        fileErrorCode=d["file_error_code"],
        fileError=d["file_error"],
        documentHash=d["document_hash"],
        signedFileHash=d["signed_file_hash"],
        signers=[_signer(s) for s in detail.signers],
        fields=[_field(f, detail.values) for f in detail.fields],
    )
    return json_response({"data": _dump(document)})


async def delete_document(request: web.Request) -> web.Response:
    document_id = _core_id(request)
    await wp_internal.hard_delete(request.app[DEPS], org_id_of(request), request_context(request), document_id)
    return web.Response(status=204)


async def file_url(request: web.Request) -> web.Response:
    document_id = _core_id(request)
    try:
        ttl = min(max(int(request.query.get("ttl", "300")), 30), 3600)
    except ValueError:
        raise Problem(400, "ttl must be a number of seconds", slug="invalid-query") from None
    link = await wp_internal.file_link(
        request.app[DEPS], org_id_of(request), request_context(request), document_id, ttl
    )
    answer = FileLink(
        url=link.url, filename=link.filename, type=link.content_type, signed=link.signed, expiresIn=link.expires_in
    )
    return json_response({"data": _dump(answer)})


def add_wp_internal_routes(app: web.Application) -> None:
    # Only the gateway's WPsigner translation calls these.
    for method, path, handler in (
        ("GET", P, list_documents),
        ("GET", P + "/{ref}", get_detail),
        ("GET", P + "/{ref}/ref", get_ref),
        ("DELETE", P + "/{ref}", delete_document),
        ("GET", P + "/{ref}/file-url", file_url),
    ):
        add_internal_route(app, method, path, handler, callers=("gateway",))
