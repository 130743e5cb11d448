"""Template rows → response models (pure: no I/O); see views.py for documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.documents.api.views import field_common
from shared.contracts import templates as responses
from shared.contracts.common import PageMeta

Row = Mapping[str, Any]


def _common(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "category": row["category"],
        "fileSize": row["file_size"],
        "usageCount": row["usage_count"],
        "isPublic": False,  # templates are the organisation's own
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def list_item(row: Row) -> responses.TemplateListItem:
    return responses.TemplateListItem(
        **_common(row), count=responses.TemplateCounts(fields=row["field_count"], signers=row["role_count"])
    )


def role(row: Row) -> responses.TemplateRole:
    return responses.TemplateRole(id=row["id"], role=row["role"], label=row["label"], sortOrder=row["sort_order"])


def field(row: Row) -> responses.TemplateField:
    return responses.TemplateField(**field_common(row))  # a document's field's shape


def detail_of(row: Row) -> responses.TemplateDetail:
    """A detail row (the template with `role_rows` and `field_rows`) → the detail body."""
    return responses.TemplateDetail(
        **_common(row),
        fields=[field(f) for f in row["field_rows"]],
        signers=[role(r) for r in row["role_rows"]],
        signingType=row["signing_type"],
        message=row["message"],
        emailSubject=row["email_subject"],
        emailMessage=row["email_message"],
        expiresInDays=row["expires_in_days"],
        reminderFrequency=row["reminder_frequency"],
        otpMethod=row["otp_method"],
        fileStatus=row["file_status"],
        documentHash=row["document_hash"],
        pageCount=row["page_count"],
    )


def template_page(rows: Sequence[Row], meta: Mapping[str, Any]) -> responses.TemplateListResponse:
    return responses.TemplateListResponse(data=[list_item(r) for r in rows], meta=PageMeta(**meta))
