"""Response bodies of the documents API: documents, signers and fields.

Handlers build their answers through these models and the OpenAPI document is generated from
them. Keys and their order follow the inSigner v1 reference (documents-api.txt is the seed).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.active_content import ActiveKind
from shared.contracts.common import (
    DocumentStatus,
    Language,
    Number,
    PageMeta,
    ResponseModel,
    SignerRole,
    SignerStatus,
    SigningType,
    Timestamp,
)
from shared.contracts.rules import FieldType


class DocumentCounts(ResponseModel):
    """Counts of a document's related resources."""

    signers: int
    fields: int
    attachments: int


class DocumentListItem(ResponseModel):
    """A document in a list."""

    id: str
    name: str
    status: DocumentStatus
    signingType: SigningType
    fileSize: int | None
    expiresAt: Timestamp | None
    completedAt: Timestamp | None
    createdAt: Timestamp
    updatedAt: Timestamp
    templateId: str | None
    campaignId: str | None
    bulkSendId: str | None
    folderId: str | None
    count: DocumentCounts = Field(serialization_alias="_count")


class DocumentCreated(ResponseModel):
    """The draft just created."""

    id: str
    name: str
    status: DocumentStatus
    signingType: SigningType
    message: str | None
    expiresAt: Timestamp | None
    folderId: str | None
    createdAt: Timestamp
    updatedAt: Timestamp
    # Countersign extension (docs/embedding.md#redirecturl), after the reference's keys.
    redirectUrl: str | None = Field(
        description="Where the signing page sends signers after they sign or decline (a signer's own wins)"
    )
    language: Language | None = Field(
        default=None, description="Countersign extension: en, de, fr, es or pt, or null (docs/languages.md)"
    )


_LANGUAGE = "Countersign extension: en, de, fr, es or pt, or null (docs/languages.md)"


class DocumentSigner(ResponseModel):
    """A signer as embedded in a document's detail."""

    id: str
    name: str
    email: str
    role: SignerRole
    status: SignerStatus
    order: int
    signedAt: Timestamp | None
    createdAt: Timestamp
    # Countersign extension (docs/embedding.md#redirecturl), after the reference's keys.
    redirectUrl: str | None = Field(
        description="Where the signing page sends this signer after signing or declining (wins over the document's)"
    )
    language: Language | None = Field(default=None, description=_LANGUAGE)


class DocumentFormField(ResponseModel):
    """A field as embedded in a document's detail (positions in PDF points, top-left origin)."""

    id: str
    type: FieldType
    label: str | None
    page: int
    x: Number
    y: Number
    width: Number
    height: Number
    required: bool
    readOnly: bool
    assignedTo: int | None
    placeholder: str | None
    defaultValue: str | None
    options: list[str] | None


class Attachment(ResponseModel):
    """A supplementary file sent along with the document."""

    id: str
    fileName: str
    fileSize: int = Field(description="Bytes of the stored file (for an image, of the PDF it was converted to)")
    mimeType: str = Field(description="Of the stored file: always application/pdf (images are converted)")
    order: int
    createdAt: Timestamp
    # Countersign extensions, after the reference's keys.
    sha256: str | None = Field(
        description="SHA-256 (hex) of the stored file, as the certificate of completion lists it"
    )
    uploadedType: str | None = Field(description="The type of the file as uploaded (by its content), e.g. image/png")


class DocumentDetail(ResponseModel):
    """A document with its signers, fields and attachments."""

    id: str
    name: str
    status: DocumentStatus
    signingType: SigningType
    fileSize: int | None = Field(description="Bytes of the PDF signers see and sign")
    documentHash: str | None = Field(description="SHA-256 (hex) of the PDF signers see and sign (see originalFileHash)")
    signedFileHash: str | None = Field(description="SHA-256 (hex) of the signed PDF, once completed")
    message: str | None
    emailSubject: str | None
    emailMessage: str | None
    expiresAt: Timestamp | None
    completedAt: Timestamp | None
    reminderFrequency: int | None
    otpMethod: Literal["email"] | None
    requireKyc: bool
    createdAt: Timestamp
    updatedAt: Timestamp
    templateId: str | None
    campaignId: str | None
    bulkSendId: str | None
    folderId: str | None
    signers: list[DocumentSigner]
    fields: list[DocumentFormField]
    attachments: list[Attachment]
    count: DocumentCounts = Field(serialization_alias="_count")
    # Added to the seed's shape (after it, so its keys keep their order): docs/files.md.
    originalFileHash: str | None = Field(
        description=(
            "SHA-256 (hex) of the file as uploaded, kept unchanged in storage. `documentHash` is that of the PDF "
            "signers see and sign: equal to this one unless the upload was an image (converted to a PDF) or "
            "active content was removed from it"
        )
    )
    activeContentRemoved: bool = Field(
        description=(
            "True when the uploaded PDF contained active content (JavaScript, automatic actions, launch actions, "
            "embedded files, XFA…) that was removed from the copy signers see and sign; links stay"
        )
    )
    activeContentKinds: list[ActiveKind] = Field(description="What was removed, when activeContentRemoved is true")
    redirectUrl: str | None = Field(
        description="Where the signing page sends signers after they sign or decline (a signer's own wins)"
    )
    language: Language | None = Field(
        default=None, description=_LANGUAGE + "; the language of signers who have none of their own"
    )


class Signer(ResponseModel):
    """A signer of a document."""

    id: str
    email: str
    name: str
    role: SignerRole
    status: SignerStatus
    order: int
    signedAt: Timestamp | None
    createdAt: Timestamp
    updatedAt: Timestamp
    # Countersign extension (docs/embedding.md#redirecturl), after the reference's keys.
    redirectUrl: str | None = Field(
        description="Where the signing page sends this signer after signing or declining (wins over the document's)"
    )
    language: Language | None = Field(default=None, description=_LANGUAGE)


class SignerCreated(ResponseModel):
    """The signer just added."""

    id: str
    email: str
    name: str
    role: SignerRole
    status: SignerStatus
    order: int
    createdAt: Timestamp
    # Countersign extension (docs/embedding.md#redirecturl), after the reference's keys.
    redirectUrl: str | None = Field(
        description="Where the signing page sends this signer after signing or declining (wins over the document's)"
    )
    language: Language | None = Field(default=None, description=_LANGUAGE)


class FieldValidationRules(ResponseModel):
    """The rules a filled value must satisfy (null: not set)."""

    pattern: str | None
    minLength: int | None
    maxLength: int | None
    min: Number | None
    max: Number | None
    message: str | None


class FormField(DocumentFormField):
    """A field of a document (positions in PDF points, top-left origin, y downwards)."""

    validation: str | FieldValidationRules | None = Field(description="A pattern, or an object of rules")
    group: str | None
    format: str | None
    documentId: str
    # Countersign extensions, after the reference's keys.
    signerId: str | None = Field(description="The signer who fills the field, when set by id")
    formula: str | None = Field(description="formula fields: the expression their value is computed from")


class DocumentListResponse(ResponseModel):
    """GET /api/v1/documents."""

    data: list[DocumentListItem]
    meta: PageMeta


class DocumentCreatedResponse(ResponseModel):
    """POST /api/v1/documents."""

    data: DocumentCreated


class DocumentDetailResponse(ResponseModel):
    """GET or PATCH /api/v1/documents/{id}."""

    data: DocumentDetail


class SignerListResponse(ResponseModel):
    """GET /api/v1/documents/{id}/signers, ordered by order then creation."""

    data: list[Signer]


class SignerCreatedResponse(ResponseModel):
    """POST /api/v1/documents/{id}/signers."""

    data: SignerCreated


class SignerResponse(ResponseModel):
    """PATCH /api/v1/documents/{id}/signers/{signerId}."""

    data: Signer


class FieldListResponse(ResponseModel):
    """GET /api/v1/documents/{id}/fields, ordered by page, then y, then x."""

    data: list[FormField]


class FieldResponse(ResponseModel):
    """POST or PATCH of a field."""

    data: FormField
