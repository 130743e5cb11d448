"""Request and response bodies of the bulk-sends API (docs/templates.md, "Bulk sends").

The reference (api-bulk-send.txt, guides-bulk-sending.txt) gives the create body (templateId,
name, emailMessage, signers 1–500 of {name, email, phone}), the list query and item shape, and
`data.sentCount` / `data.totalCount` in the create answer; its create response and get sections
were not recovered. Countersign's additions: each signer's `prefill` (as a template's `use`) and
`language` (docs/languages.md), the
per-status `documentCounts` of the detail, and the CSV upload (POST /api/v1/bulk-sends/csv).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, WithJsonSchema

from shared.contracts.common import DocumentStatus, PageMeta, RequestModel, ResponseModel, Timestamp
from shared.contracts.document_requests import Email, LanguageExtension, Name, Phone
from shared.text import MULTI_LINE, SINGLE_LINE

MAX_BULK_SIGNERS = 500
BulkSendStatus = Literal["processing", "completed", "failed"]
EmailMessage = Annotated[str, StringConstraints(max_length=1000), MULTI_LINE]
TemplateRef = Annotated[str, StringConstraints(min_length=1, max_length=64), SINGLE_LINE]
Prefill = dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Any]


class BulkSigner(RequestModel):
    """One recipient: the template's one signer slot, in a document of their own."""

    name: Name
    email: Email
    phone: Phone | None = None
    prefill: Prefill | None = Field(
        default=None,
        description="Countersign extension: this recipient's field values, keyed by field label or id, as in `use`",
    )
    language: LanguageExtension | None = None


class BulkSendCreate(RequestModel):
    """Body of POST /api/v1/bulk-sends: one document per signer from the template, all sent."""

    templateId: TemplateRef
    name: Name
    emailMessage: EmailMessage | None = Field(default=None, description="The invitation email's message")
    signers: list[BulkSigner] = Field(min_length=1, max_length=MAX_BULK_SIGNERS)


class BulkSendCsvFields(RequestModel):
    """The form fields of the CSV upload besides the file: the create body's own properties."""

    templateId: TemplateRef
    name: Name
    emailMessage: EmailMessage | None = None


class BulkSendCsvUpload(BulkSendCsvFields):
    """Body of POST /api/v1/bulk-sends/csv (Countersign extension), multipart/form-data: the
    create body's properties as form fields, and the signers as a CSV file in the field `file`
    (header row `name,email` with the optional `phone` and `language`, and one column per
    prefilled field, named by its label or id)."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {
                "type": "string",
                "contentMediaType": "text/csv",
                "description": "UTF-8 CSV, at most 500 rows after the header and 512 KiB",
            }
        ),
    ]


class BulkSendListQuery(RequestModel):
    """Query of GET /api/v1/bulk-sends besides `limit` and `cursor`."""

    model_config = {"extra": "ignore", "strict": False}

    status: BulkSendStatus | None = Field(default=None, description="processing, completed or failed")


class BulkSendItem(ResponseModel):
    """A bulk send as the reference lists it."""

    id: str
    name: str
    status: BulkSendStatus
    totalCount: int = Field(description="Documents made, one per signer")
    sentCount: int = Field(description="Of them, documents sent (every one, unless later deleted)")
    failedCount: int = Field(description="Documents not made or not sent: 0, since a bulk send is all or nothing")
    templateId: str
    createdAt: Timestamp
    updatedAt: Timestamp


class BulkSendDetail(BulkSendItem):
    """A bulk send; the properties after `updatedAt` are Countersign's."""

    emailMessage: str | None
    documentCounts: dict[DocumentStatus, int] = Field(
        description="Its documents by their current status (statuses with none are left out)"
    )


class BulkSendListResponse(ResponseModel):
    """GET /api/v1/bulk-sends, newest first."""

    data: list[BulkSendItem]
    meta: PageMeta


class BulkSendResponse(ResponseModel):
    """GET /api/v1/bulk-sends/{id}, and the answer to a create once every document is made and sent."""

    data: BulkSendDetail
