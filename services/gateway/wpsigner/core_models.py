"""What the documents and audit services answer on their internal WPsigner endpoints
(services/documents/api/wp_internal_routes.py, services/audit/wp_internal.py), parsed into typed
models. Services do not import each other's modules, so the gateway declares its own view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    # Extra properties are ignored: the documents service may add some without breaking us.
    model_config = ConfigDict(extra="ignore")


class DocumentRow(_Model):
    number: int
    id: str
    name: str
    status: str
    anyViewed: bool
    fileName: str | None
    pageCount: int | None
    createdBy: str | None
    expiresAt: datetime | None
    completedAt: datetime | None
    createdAt: datetime
    updatedAt: datetime


class DocumentPage(_Model):
    data: list[DocumentRow]
    total: int


class Signer(_Model):
    number: int
    id: str
    name: str
    email: str
    role: str
    order: int
    status: str
    viewedAt: datetime | None
    signedAt: datetime | None
    declinedAt: datetime | None
    declineReason: str | None
    createdAt: datetime
    updatedAt: datetime


class FormField(_Model):
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
    createdAt: datetime
    updatedAt: datetime


class DocumentDetail(DocumentRow):
    fileStatus: str
    fileErrorCode: str | None
    fileError: str | None
    documentHash: str | None
    signedFileHash: str | None
    signers: list[Signer]
    fields: list[FormField]


class DocumentRef(_Model):
    id: str
    number: int
    name: str
    status: str
    createdBy: str | None


class AuditEvent(_Model):
    action: str
    createdAt: datetime
    actorType: str
    actorId: str | None
    ipAddress: str | None
    userAgent: str | None


class FileLink(_Model):
    url: str
    filename: str
    type: str
