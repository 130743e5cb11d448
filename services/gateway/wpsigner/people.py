"""Handlers of the Signers and Fields APIs: GET/POST /documents/{id}/signers and /fields.

WPsigner assigns a field to a signer (`signer_id`); the core assigns it to a signing order
(`assignedTo`, the participant holding that order). A WPsigner signer_id is therefore sent to
the core as that signer's order, and read back as the participant holding the field's order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from services.gateway.wpsigner import core, errors, shapes
from services.gateway.wpsigner.auth import caller_of
from services.gateway.wpsigner.params import FieldParams, SignerParams, option_list, read_params, validate
from services.gateway.wpsigner.statuses import OUT_FOR_SIGNATURE
from services.gateway.wpsigner.translate import FIELD_PARAMS, SIGNER_PARAMS, error_map
from shared.contracts.wpsigner import DocumentDetail, Signer
from shared.web import json_response


def _id(request: web.Request) -> str:
    return request.match_info["id"]


async def signing_url(request: web.Request, detail: DocumentDetail, signer: Signer) -> str:
    """The signer's current link, from the core (as the notifier gets it), while the document
    is out for signature and it is the signer's turn; "" otherwise (WPsigner types the field
    as a string, so no null). Never for a Read Only credential: the link signs, so it is not
    even fetched."""
    if not caller_of(request).sees_live_links or detail.status not in OUT_FOR_SIGNATURE or signer.role == "viewer":
        return ""
    answer = await core.call(request, "documents", "GET", f"/internal/signers/{signer.id}/signing-link")
    if answer.status == 200:
        return str(answer.body["data"]["url"])
    return ""


async def list_signers(request: web.Request) -> web.Response:
    detail = await core.detail_by_number(request, _id(request))
    urls = await asyncio.gather(*(signing_url(request, detail, s) for s in detail.signers))
    return json_response([shapes.signer_entry(s, url) for s, url in zip(detail.signers, urls, strict=True)])


async def add_signer(request: web.Request) -> web.Response:
    body = validate(SignerParams, await read_params(request))
    ref = await core.resolve(request, _id(request))
    created = await core.expect(
        request,
        "documents",
        "POST",
        f"/api/v1/documents/{ref.id}/signers",
        json={"name": body.name, "email": body.email, "role": body.role, "order": body.signing_order},
        error=error_map(SIGNER_PARAMS, "document_not_editable"),
    )
    detail = await core.detail(request, ref.id, check_owner=False)
    signer = next(s for s in detail.signers if s.id == created["data"]["id"])
    return json_response(shapes.signer_entry(signer, ""), status=201)


async def list_fields(request: web.Request) -> web.Response:
    detail = await core.detail_by_number(request, _id(request))
    return json_response([shapes.field_entry(f, detail.number, detail.signers) for f in detail.fields])


def core_field(body: FieldParams, detail: DocumentDetail) -> dict[str, Any]:
    """The core's FieldCreate body; properties the client left out are left to the core's
    defaults."""
    field: dict[str, Any] = {
        "type": shapes.core_field_type(body.field_type),
        "page": body.page_number,
        "x": body.position_x,
        "y": body.position_y,
        "width": body.width,
        "height": body.height,
        "required": body.is_required,
    }
    if body.signer_id is not None:
        signer = next((s for s in detail.signers if s.number == body.signer_id), None)
        if signer is None:
            raise errors.invalid_params({"signer_id": "signer_id is not a signer of this document."})
        field["assignedTo"] = signer.order
    optional = {
        "label": body.field_name,
        "placeholder": body.placeholder,
        "defaultValue": body.value,
        "options": option_list(body.options),
    }
    field.update({key: value for key, value in optional.items() if value is not None})
    return field


async def add_field(request: web.Request) -> web.Response:
    body = validate(FieldParams, await read_params(request))
    detail = await core.detail_by_number(request, _id(request))
    created = await core.expect(
        request,
        "documents",
        "POST",
        f"/api/v1/documents/{detail.id}/fields",
        json=core_field(body, detail),
        error=error_map(FIELD_PARAMS, "document_not_editable"),
    )
    updated = await core.detail(request, detail.id, check_owner=False)
    field = next(f for f in updated.fields if f.id == created["data"]["id"])
    return json_response(shapes.field_entry(field, updated.number, updated.signers), status=201)
