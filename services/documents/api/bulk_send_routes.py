"""HTTP handlers of /api/v1/bulk-sends (docs/templates.md, "Bulk sends"): parse → use case → view.

Two ways in for one use case: the reference's JSON body, and a CSV file of the same columns
(POST /api/v1/bulk-sends/csv, multipart/form-data, Countersign's). The 1-per-5-minutes limit per
organisation is the gateway's (services/gateway/action_limits.py), for both.
"""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web
from pydantic import ValidationError

from services.documents.api.bulk_csv import CSV_MAX_BYTES, FILE, parse_signers
from services.documents.api.routes import page_of, parse_query, respond
from services.documents.commands.bulk_sends import (
    BulkSendView,
    Recipient,
    create_bulk_send,
    get_bulk_send,
    list_bulk_sends,
)
from services.documents.commands.deps import DEPS
from services.documents.domain.statemachine import Status
from services.documents.domain.template_use import Person
from shared.context import org_id_of, request_context
from shared.contracts.bulk_sends import (
    BulkSendCreate,
    BulkSendCsvFields,
    BulkSendDetail,
    BulkSendItem,
    BulkSendListQuery,
    BulkSendListResponse,
    BulkSendResponse,
)
from shared.contracts.common import PageMeta
from shared.contracts.routes import BULK_SENDS as B
from shared.contracts.verify import MULTIPART
from shared.multipart import MALFORMED_MULTIPART, malformed_multipart, read_capped
from shared.problems import FieldError, Problem, pydantic_errors
from shared.web import path_id, read_model

MAX_FORM_FIELD_BYTES = 4096  # templateId, name, emailMessage (at most 1000 characters)


def _item_values(view: BulkSendView) -> dict[str, Any]:
    row, counts = view.row, view.counts
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "totalCount": row["total_count"],
        "sentCount": sum(n for status, n in counts.items() if status != Status.DRAFT),
        "failedCount": 0,  # all or nothing: a bulk send that exists made and sent every document
        "templateId": row["template_id"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _detail(view: BulkSendView) -> BulkSendResponse:
    return BulkSendResponse(
        data=BulkSendDetail(**_item_values(view), emailMessage=view.row["email_message"], documentCounts=view.counts)
    )


async def create(request: web.Request) -> web.Response:
    body = await read_model(request, BulkSendCreate)
    recipients = [
        Recipient(Person(s.name, s.email, s.phone, s.language), s.prefill, f"signers.{index}.")
        for index, s in enumerate(body.signers)
    ]
    return await _created(request, body, recipients)


async def _created(
    request: web.Request, body: BulkSendCreate | BulkSendCsvFields, recipients: list[Recipient], from_text: bool = False
) -> web.Response:
    """The one way both forms (JSON signers, CSV rows) make a bulk send."""
    view = await create_bulk_send(
        request.app[DEPS],
        org_id_of(request),
        request_context(request),
        template_id=body.templateId,
        name=body.name,
        email_message=body.emailMessage,
        recipients=recipients,
        from_text=from_text,
    )
    return respond(_detail(view), 201)


async def _csv_form(request: web.Request) -> tuple[BulkSendCsvFields, bytes]:
    if request.content_type != MULTIPART:
        raise Problem(
            415,
            "Send the CSV as multipart/form-data: the file in `file`, and `templateId`, `name`, `emailMessage`",
            slug="multipart-required",
        )
    values: dict[str, str] = {}
    data: bytes | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                await part.release()
            elif part.name == FILE:
                data = await read_capped(part, CSV_MAX_BYTES, "CSV file")
            elif part.name in BulkSendCsvFields.model_fields:
                raw = await read_capped(part, MAX_FORM_FIELD_BYTES, f"form field {part.name}")
                values[part.name] = raw.decode("utf-8", errors="replace")
            else:
                await part.release()
    except MALFORMED_MULTIPART:
        raise malformed_multipart() from None
    try:
        fields = BulkSendCsvFields.model_validate(values)
    except ValidationError as exc:
        errors = pydantic_errors(exc) + ([FieldError(FILE, "Required")] if data is None else [])
        raise Problem(422, "The request body contains invalid fields", errors=errors) from None
    if data is None:
        raise Problem(
            422, "Send the signers as a CSV file in the form field `file`", errors=[FieldError(FILE, "Required")]
        )
    return fields, data


async def create_from_csv(request: web.Request) -> web.Response:
    fields, data = await _csv_form(request)
    recipients = [
        Recipient(
            Person(r.signer.name, r.signer.email, r.signer.phone, r.signer.language), r.signer.prefill, f"rows.{r.row}."
        )
        for r in parse_signers(data)
    ]
    return await _created(request, fields, recipients, from_text=True)


async def list_all(request: web.Request) -> web.Response:
    query = parse_query(request, BulkSendListQuery)
    found = await list_bulk_sends(
        request.app[DEPS].pool, org_id_of(request), status=query.status, page=page_of(request)
    )
    return respond(
        BulkSendListResponse(data=[BulkSendItem(**_item_values(v)) for v in found.items], meta=PageMeta(**found.meta))
    )


async def get_one(request: web.Request) -> web.Response:
    bulk_send_id = path_id(request, "id", "Bulk send")
    return respond(_detail(await get_bulk_send(request.app[DEPS].pool, org_id_of(request), bulk_send_id)))


def add_bulk_send_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(B, list_all)
    router.add_post(B, create)
    router.add_post(B + "/csv", create_from_csv)
    router.add_get(B + "/{id}", get_one)
