"""Database rows → response models (pure: no I/O).

Column names are snake_case in SQL and camelCase on the wire; this is the one place that maps
one to the other for reads. Event payloads, which are not response bodies, are built in
domain/payloads.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from shared.contracts import document_responses as responses
from shared.contracts.common import PageMeta
from shared.contracts.internal import InternalDocument, OrgStats

Row = Mapping[str, Any]


def number(value: float) -> int | float:
    """Integral points are written as integers (100 rather than 100.0), as in the reference."""
    return int(value) if float(value).is_integer() else value


def counts(row: Row) -> responses.DocumentCounts:
    return responses.DocumentCounts(
        signers=row["signer_count"], fields=row["field_count"], attachments=row["attachment_count"]
    )


def _document_common(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "signingType": row["signing_type"],
        "expiresAt": row["expires_at"],
        "folderId": row["folder_id"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _origin(row: Row) -> dict[str, Any]:
    return {"templateId": row["template_id"], "campaignId": row["campaign_id"], "bulkSendId": row["bulk_send_id"]}


def list_item(row: Row) -> responses.DocumentListItem:
    return responses.DocumentListItem(
        **_document_common(row),
        **_origin(row),
        fileSize=row["file_size"],
        completedAt=row["completed_at"],
        count=counts(row),
    )


def created(row: Row) -> responses.DocumentCreated:
    return responses.DocumentCreated(
        **_document_common(row), message=row["message"], redirectUrl=row["redirect_url"], language=row["language"]
    )


def detail(
    row: Row, signers: Sequence[Row], fields: Sequence[Row], attachments: Sequence[Row]
) -> responses.DocumentDetail:
    return responses.DocumentDetail(
        **_document_common(row),
        **_origin(row),
        fileSize=row["file_size"],
        documentHash=row["document_hash"],
        signedFileHash=row["signed_file_hash"],
        message=row["message"],
        emailSubject=row["email_subject"],
        emailMessage=row["email_message"],
        completedAt=row["completed_at"],
        reminderFrequency=row["reminder_frequency"],
        otpMethod=row["otp_method"],
        requireKyc=row["require_kyc"],
        signers=[document_signer(s) for s in signers],
        fields=[document_field(f) for f in fields],
        attachments=[attachment(a) for a in attachments],
        count=responses.DocumentCounts(signers=len(signers), fields=len(fields), attachments=len(attachments)),
        originalFileHash=row["original_file_hash"],
        activeContentRemoved=bool(row["active_content_removed"]),
        activeContentKinds=row["active_content_removed"] or [],
        redirectUrl=row["redirect_url"],
        language=row["language"],
    )


def internal(row: Row) -> InternalDocument:
    return InternalDocument(id=row["id"], name=row["name"], status=row["status"])


def _signer_common(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "role": row["role"],
        "status": row["status"],
        "order": row["signing_order"],
        "createdAt": row["created_at"],
        "redirectUrl": row["redirect_url"],
        "language": row["language"],
    }


def signer(row: Row) -> responses.Signer:
    return responses.Signer(**_signer_common(row), signedAt=row["signed_at"], updatedAt=row["updated_at"])


def signer_created(row: Row) -> responses.SignerCreated:
    return responses.SignerCreated(**_signer_common(row))


def document_signer(row: Row) -> responses.DocumentSigner:
    return responses.DocumentSigner(**_signer_common(row), signedAt=row["signed_at"])


def field_common(row: Row) -> dict[str, Any]:
    """The properties every field shows (a document's, a template's, a form's field)."""
    return {
        "id": row["id"],
        "type": row["type"],
        "label": row["label"],
        "page": row["page"],
        "x": number(row["x"]),
        "y": number(row["y"]),
        "width": number(row["width"]),
        "height": number(row["height"]),
        "required": row["required"],
        "readOnly": row["read_only"],
        "assignedTo": row["assigned_to"],
        "placeholder": row["placeholder"],
        "defaultValue": row["default_value"],
        "options": row["options"],
    }


def document_field(row: Row) -> responses.DocumentFormField:
    return responses.DocumentFormField(**field_common(row))


def form_field(row: Row) -> responses.FormField:
    return responses.FormField(
        **field_common(row),
        validation=_validation(row["validation"]),
        group=row["field_group"],
        format=row["format"],
        documentId=row["document_id"],
        signerId=row["signer_id"],
        formula=row["formula"],
    )


def _validation(stored: Any) -> str | responses.FieldValidationRules | None:
    """A stored pattern (a JSON string) as given; an object of rules with every key."""
    if stored is None or isinstance(stored, str):
        return stored
    keys = responses.FieldValidationRules.model_fields
    return responses.FieldValidationRules(**{key: stored.get(key) for key in keys})


def attachment(row: Row) -> responses.Attachment:
    return responses.Attachment(
        id=row["id"],
        fileName=row["file_name"],
        fileSize=row["file_size"],
        mimeType=row["mime_type"],
        order=row["position"],
        createdAt=row["created_at"],
        sha256=row["sha256"],
        uploadedType=row["uploaded_type"],
    )


def detail_of(row: Row) -> responses.DocumentDetail:
    """A detail row (service.detail_row: the document with its child rows) → the detail body."""
    return detail(row, row["signer_rows"], row["field_rows"], row["attachment_rows"])


def document_page(rows: Sequence[Row], meta: Mapping[str, Any]) -> responses.DocumentListResponse:
    return responses.DocumentListResponse(data=[list_item(r) for r in rows], meta=PageMeta(**meta))


def org_stats(documents: int, templates: int, campaigns: int) -> OrgStats:
    return OrgStats(documents=documents, templates=templates, campaigns=campaigns)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)
