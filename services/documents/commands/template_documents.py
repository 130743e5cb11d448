"""Documents made from a template, K at a time: THE function bulk sends, campaigns and
POST /api/v1/templates/{id}/use (K = 1) call.

`make_documents` runs inside the caller's transaction (so a bulk send records its own row in the
same one) and either makes every document or none:

1. the template's row is taken FOR SHARE: concurrent makers run side by side, an edit or a
   delete of the template waits (or, deleted first, this is a clean 404 "Template not found");
2. its file must be verified (`require_ready_file` verifies an arrived upload beforehand, outside
   any transaction); the documents point at the template's objects: shared, not copied, not
   verified again;
3. every instance is checked first (domain/template_use.py); all problems are raised together,
   named after the input (`prefix` + `signers.1.email`), before anything is written;
4. documents, signers and fields are written with one batched statement each (executemany), a
   `document.created` event per document ({"name", "templateId"}) goes to the outbox;
5. with `send`, each document is sent by lifecycle_service.send_in: the same checks and events as
   POST /api/v1/documents/{id}/send, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.documents.commands import files
from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.lifecycle_service import send_in
from services.documents.db import template_repository as repo
from services.documents.domain import formula
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.template_use import Person, Planned, plan_document, template_problems
from shared.context import RequestContext
from shared.ids import document_id as new_document_id
from shared.ids import prefixed_id
from shared.timefmt import utcnow

# What a document takes from its template besides its file (the template's column: the document's).
_SETTINGS = ("signing_type", "message", "email_subject", "email_message", "reminder_frequency", "otp_method")
_FIELD_COPY = tuple(c for c in repo.TEMPLATE_FIELD_COLUMNS.values() if c != "default_value")


@dataclass(frozen=True, slots=True)
class Instance:
    """One document to make: who fills the slots (in slot order), prefill, and overrides."""

    people: Sequence[Person]
    prefill: Mapping[str, Any] | None = None
    name: str | None = None  # default: the template's
    message: str | None = None  # default: the template's
    expires_at: datetime | None = None  # default: now + the template's expiresInDays
    origin: Mapping[str, str] = field(default_factory=dict)  # bulk_send_id / campaign_id of the document
    otp_method: str | None = None  # default: the template's (a campaign with requireOtp: "email")
    prefix: str = ""  # how problems of this instance are named (a bulk send: "signers.12.")
    email_message: str | None = None  # default: the template's
    prefill_as_text: bool = False  # prefill values came as text (a CSV file): numbers are read from it
    language: str | None = None  # the document's (a campaign's); its signers' own win over it


def template_not_found() -> NotFound:
    return NotFound("Template")


async def require_ready_file(deps: Deps, org_id: str, template_id: str) -> None:
    """Before the transaction: an upload that has arrived is verified now (it may take seconds)."""
    try:
        await files.require_verified_file(deps, deps.pool, org_id, template_id, "templates")
    except Invalid:
        return  # reported by make_documents, from the locked row


def _file_refusal(template: Mapping[str, Any]) -> Conflicting | None:
    status = template["file_status"]
    if status == "verified":
        return None
    if status == "rejected":
        reason = f"{template['file_error']} ({template['file_error_code']})"
        return Conflicting(
            f"The template's file was rejected: {reason}; upload another one",
            code="template-file-invalid",
            fields=[FieldIssue("file", reason)],
        )
    return Conflicting(
        "The template has no verified file yet: upload one (POST /api/v1/templates/{id}/upload), then use it",
        code="template-file-missing",
        fields=[FieldIssue("file", "No verified file")],
    )


def _document_row(
    template: Mapping[str, Any], org_id: str, ctx: RequestContext, instance: Instance, now: datetime
) -> dict[str, Any]:
    days = template["expires_in_days"]
    expires_at = instance.expires_at or (now + timedelta(days=days) if days else None)
    row: dict[str, Any] = {
        "id": new_document_id(),
        "org_id": org_id,
        "created_by": ctx.actor_id,
        "name": instance.name or template["name"],
        "template_id": template["id"],
        "expires_at": expires_at,
        "bulk_send_id": instance.origin.get("bulk_send_id"),
        "campaign_id": instance.origin.get("campaign_id"),
        "language": instance.language,
        **{column: template[column] for column in _SETTINGS},
        **{column: template[column] for column in repo.SHARED_FILE_COLUMNS},
        # The sender as the gateway named them: every row has the same columns for the batch.
        "sender_name": ctx.sender_name,
        "sender_email": ctx.sender_email,
        "sender_org_name": ctx.org_name,
        "sender_org_logo": ctx.org_logo,
    }
    if instance.message is not None:
        row["message"] = instance.message
    if instance.email_message is not None:
        row["email_message"] = instance.email_message
    if instance.otp_method is not None:
        row["otp_method"] = instance.otp_method
    return row


def _signer_rows(document_id: str, planned: Planned) -> list[dict[str, Any]]:
    return [
        {
            "id": prefixed_id("sr"),
            "document_id": document_id,
            "email": person.email,
            "name": person.name,
            "phone": person.phone,
            "language": person.language,
            "role": slot["role"],
            "signing_order": slot["sort_order"],
        }
        for person, slot in planned.signers
    ]


def _field_rows(document_id: str, fields: Sequence[Mapping[str, Any]], planned: Planned) -> list[dict[str, Any]]:
    new_ids = {f["id"]: prefixed_id("fld") for f in fields}
    rows = []
    for f in fields:
        row = {
            "id": new_ids[f["id"]],
            "document_id": document_id,
            **{column: f[column] for column in _FIELD_COPY},
            "default_value": planned.defaults.get(f["id"]),
        }
        if row["formula"] is not None:  # it names the template's field ids: the document's instead
            row["formula"] = formula.renamed(row["formula"], new_ids)
        rows.append(row)
    return rows


async def usable_template(
    conn: asyncpg.Connection, org_id: str, template_id: str
) -> tuple[asyncpg.Record, list[asyncpg.Record], list[asyncpg.Record]]:
    """The template (locked FOR SHARE), its roles and fields, once it is known to be usable: a
    verified file, at least one role, every field assigned to one. Campaigns check theirs here too."""
    template = await repo.find_template(conn, org_id, template_id, lock="share")
    if template is None:
        raise template_not_found()
    if (refusal := _file_refusal(template)) is not None:
        raise refusal
    roles = await repo.list_roles(conn, template_id)
    fields = await repo.list_fields(conn, template_id)
    if problems := template_problems(roles, fields):
        raise Conflicting("The template is not ready to be used", code="template-incomplete", fields=problems)
    return template, roles, fields


async def make_documents(
    deps: Deps,
    conn: asyncpg.Connection,
    org_id: str,
    ctx: RequestContext,
    template_id: str,
    instances: Sequence[Instance],
    *,
    send: bool,
) -> list[str]:
    """The new documents' ids, in the order of `instances`. Must run inside a transaction."""
    template, roles, fields = await usable_template(conn, org_id, template_id)
    plans: list[Planned] = []
    issues: list[FieldIssue] = []
    for instance in instances:
        planned, found = plan_document(
            roles, fields, instance.people, instance.prefill, instance.prefix, as_text=instance.prefill_as_text
        )
        issues += found
        if planned is not None:
            plans.append(planned)
    if issues:
        raise Invalid("The request body contains invalid fields", fields=issues)

    now = utcnow()
    documents = [_document_row(template, org_id, ctx, i, now) for i in instances]
    await repo.insert_documents(conn, documents)
    await repo.insert_signers(
        conn, [s for d, p in zip(documents, plans, strict=True) for s in _signer_rows(d["id"], p)]
    )
    await repo.insert_fields(
        conn, [f for d, p in zip(documents, plans, strict=True) for f in _field_rows(d["id"], fields, p)]
    )
    for document in documents:
        data = {"name": document["name"], "templateId": template_id}
        await emit(conn, ctx, org_id, document["id"], "document.created", data)
    if send:
        for document in documents:
            await send_in(deps, conn, org_id, ctx, document["id"])
    return [d["id"] for d in documents]


async def use_template(
    deps: Deps, org_id: str, ctx: RequestContext, template_id: str, instance: Instance, *, send: bool
) -> str:
    """POST /api/v1/templates/{id}/use: one document, a draft or sent."""
    await require_ready_file(deps, org_id, template_id)
    async with deps.pool.acquire() as conn, conn.transaction():
        (made,) = await make_documents(deps, conn, org_id, ctx, template_id, [instance], send=send)
    return made
