"""The internal WPsigner contract: what the documents and audit services answer the gateway's
WPsigner layer on their /internal/wpsigner/ endpoints (never public, not in the OpenAPI document).

    documents  GET    /internal/wpsigner/documents?page&perPage&status*&viewed&search&creator*   DocumentPage
               GET    /internal/wpsigner/documents/{ref}           {"data": DocumentDetail}; ref = number or id
               GET    /internal/wpsigner/documents/{ref}/ref       {"data": DocumentRef}
               DELETE /internal/wpsigner/documents/{id}            204
               GET    /internal/wpsigner/documents/{id}/file-url?ttl=N   {"data": FileLink}
    audit      GET    /internal/wpsigner/documents/{id}/events     {"data": [AuditEvent, ...]}

Declared once and used by both sides: the services build their answers through these models
(`model_dump(mode="json")`), the gateway validates what it receives with the same ones.
Timestamps are ISO 8601 UTC, as everywhere inside Countersign.

The gateway is a tolerant reader, because during a rolling deploy it may talk to a documents
service one release ahead: properties it does not know are ignored (`extra="ignore"`), and
statuses and roles are plain strings rather than the public API's closed vocabularies, so a new
status reaches the WPsigner translation (which decides what it means there) instead of failing
validation for the whole answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.common import DocumentStatus, Timestamp

WPSIGNER_DOCUMENTS = "/internal/wpsigner/documents"


class ListQuery(BaseModel):
    """The query of the documents list, as the documents service validates it."""

    model_config = ConfigDict(extra="forbid")

    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    perPage: Annotated[int, Field(ge=1, le=100)] = 20
    status: list[DocumentStatus] = []
    viewed: bool | None = None
    search: Annotated[str, Field(max_length=200)] | None = None
    creator: list[Annotated[str, Field(max_length=64)]] | None = None


class _Answer(BaseModel):
    # The tolerant reader (module docstring): a property added by a newer service is ignored.
    model_config = ConfigDict(extra="ignore")


class DocumentRow(_Answer):
    number: int
    id: str
    name: str
    status: str
    anyViewed: bool
    fileName: str | None
    pageCount: int | None
    createdBy: str | None
    expiresAt: Timestamp | None
    completedAt: Timestamp | None
    createdAt: Timestamp
    updatedAt: Timestamp


class DocumentPage(_Answer):
    data: list[DocumentRow]
    total: int


class Signer(_Answer):
    number: int
    id: str
    name: str
    email: str
    role: str
    order: int
    status: str
    viewedAt: Timestamp | None
    signedAt: Timestamp | None
    declinedAt: Timestamp | None
    declineReason: str | None
    createdAt: Timestamp
    updatedAt: Timestamp


class FormField(_Answer):
    number: int
    id: str
    type: str
    label: str | None
    page: int
    x: float
    y: float
    width: float
    height: float
    required: bool
    readOnly: bool
    assignedTo: int | None
    placeholder: str | None
    defaultValue: str | None
    options: list[str] | None
    value: Any = None
    createdAt: Timestamp
    updatedAt: Timestamp


class DocumentDetail(DocumentRow):
    fileStatus: str
    fileErrorCode: str | None
    fileError: str | None
    documentHash: str | None
    signedFileHash: str | None
    signers: list[Signer]
    fields: list[FormField]


class DocumentRef(_Answer):
    """What it takes to decide whether a caller may act on a document (cheap to answer)."""

    id: str
    number: int
    name: str
    status: str
    createdBy: str | None


class FileLink(_Answer):
    """A presigned download URL of the document's PDF (the signed one once completed)."""

    url: str
    filename: str
    type: str
    signed: bool
    expiresIn: int


class AuditEvent(_Answer):
    """One entry of a document's audit trail, with who acted (the public trail omits the actor)."""

    action: str
    createdAt: Timestamp
    actorType: str
    actorId: str | None
    ipAddress: str | None
    userAgent: str | None
