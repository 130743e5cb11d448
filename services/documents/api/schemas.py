"""Every request and response body of the documents API, as pydantic models.

Handlers parse requests and build responses through these models, and the OpenAPI document is
generated from them, so what is served and what is described cannot drift apart. Shapes, keys
and limits follow the inSigner v1 reference (documents-api.txt is the seed).

Request models reject unknown properties and wrong JSON types (no "5" for 5, no 1 for true).
Responses are dumped with `model_dump(mode="json", by_alias=True)`: `_count` is a serialization
alias, and timestamps are ISO 8601 UTC with milliseconds. Positions and sizes of fields are PDF
points (1/72 inch) measured from the top-left corner of the page, with y growing downwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, GetJsonSchemaHandler, PlainSerializer,
    StringConstraints, ValidationInfo, WithJsonSchema, field_validator, model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from services.documents.domain import validation as rules
from services.documents.pdf.codes import ActiveKind
from shared.patch_schema import not_nullable
from shared.text import MULTI_LINE, SINGLE_LINE
from shared.timefmt import iso

DocumentStatus = Literal["draft", "pending", "action_required", "completed", "declined", "cancelled", "expired"]
SigningType = Literal["sequential", "parallel"]
SignerRole = Literal["signer", "viewer", "approver"]
SignerStatus = Literal["pending", "sent", "viewed", "completed", "declined", "delivery_failed"]
FieldType = Literal[
    "signature", "initials", "stamp", "name", "email", "company", "title", "phone", "id_number",
    "address", "date_signed", "date", "text", "textarea", "number", "checkbox", "checkbox_group",
    "radio_group", "dropdown", "attachment", "image", "approval", "note", "formula", "payment",
]

# --- request building blocks ------------------------------------------------------------------
# Every text is SINGLE_LINE (no control characters) except messages and default values, which
# may span lines (MULTI_LINE: LF only, CRLF normalised); see shared/text.py.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SINGLE_LINE]
LongText = Annotated[str, StringConstraints(max_length=5000), MULTI_LINE]
Subject = Annotated[str, StringConstraints(max_length=200), SINGLE_LINE]
FolderId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
FutureTimestamp = Annotated[
    datetime,
    BeforeValidator(rules.parse_timestamp),
    AfterValidator(rules.ensure_future),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601, in the future"}),
]
ReminderDays = Annotated[int, Field(ge=1, le=30)]
Email = Annotated[EmailStr, Field(max_length=254), SINGLE_LINE]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), SINGLE_LINE]
Order = Annotated[int, Field(ge=0, le=rules.MAX_ORDER)]
Page = Annotated[int, Field(ge=1, le=rules.MAX_PAGE)]
Coordinate = Annotated[float, Field(ge=0, le=rules.MAX_POINTS, description="PDF points from the page's top-left corner")]
Size = Annotated[float, Field(gt=0, le=rules.MAX_POINTS, description="PDF points")]
Label = Annotated[str, StringConstraints(max_length=200), SINGLE_LINE]
Short = Annotated[str, StringConstraints(max_length=500), SINGLE_LINE]
Options = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200), SINGLE_LINE]],
    Field(min_length=1, max_length=rules.MAX_OPTIONS),
    AfterValidator(rules.check_options),
]
Tag = Annotated[str, StringConstraints(max_length=100), SINGLE_LINE]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return rules.reject_nul(value)

    def given(self) -> dict[str, Any]:
        """The properties the client sent, by their API names."""
        return self.model_dump(exclude_unset=True)


class PatchModel(RequestModel):
    # Properties that may be changed but never set to null.
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _check_patch(self) -> "PatchModel":
        if not self.model_fields_set:
            raise ValueError("At least one property must be given")
        return self

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("May not be null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The spec must not offer the null that _not_null refuses.
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        not_nullable(handler.resolve_ref_schema(json_schema), cls.NOT_NULL)
        return json_schema


class DocumentCreate(RequestModel):
    """Body of POST /api/v1/documents: a new draft."""

    name: Name
    signingType: SigningType = "sequential"
    message: LongText | None = None
    expiresAt: FutureTimestamp | None = None
    folderId: FolderId | None = None
    emailSubject: Subject | None = None
    emailMessage: LongText | None = None
    reminderFrequency: ReminderDays | None = Field(default=None, description="Days between reminders")
    otpMethod: Literal["email"] | None = None


class DocumentUpdate(PatchModel):
    """Body of PATCH /api/v1/documents/{id}; only while draft. null clears an optional property."""

    NOT_NULL = frozenset({"name", "signingType"})

    name: Name | None = None
    signingType: SigningType | None = None
    message: LongText | None = None
    expiresAt: FutureTimestamp | None = None
    folderId: FolderId | None = None
    emailSubject: Subject | None = None
    emailMessage: LongText | None = None
    reminderFrequency: ReminderDays | None = None
    otpMethod: Literal["email"] | None = None


class DocumentListQuery(BaseModel):
    """Query of GET /api/v1/documents besides `limit` (1–100, default 25) and `cursor`,
    which every list shares (shared.pagination)."""

    model_config = ConfigDict(extra="ignore")

    status: DocumentStatus | None = None
    search: Annotated[str, StringConstraints(max_length=200), SINGLE_LINE] | None = Field(
        default=None, description="Case-insensitive substring of the document name")


class SignerCreate(RequestModel):
    """Body of POST /api/v1/documents/{id}/signers (draft only, at most 50 per document)."""

    email: Email
    name: Name
    role: SignerRole = "signer"
    order: Order = Field(default=0, description="Signing order group for sequential documents")
    phone: Phone | None = None


class SignerUpdate(PatchModel):
    """Body of PATCH /api/v1/documents/{id}/signers/{signerId}: any property while draft; while
    action_required, a new `email` for a signer whose address bounced (re-invites them)."""

    NOT_NULL = frozenset({"email", "name", "role", "order"})

    email: Email | None = None
    name: Name | None = None
    role: SignerRole | None = None
    order: Order | None = None
    phone: Phone | None = None


class FieldCreate(RequestModel):
    """Body of POST /api/v1/documents/{id}/fields (draft only, at most 500 per document).

    x/y/width/height are PDF points from the page's top-left corner. `options` is required for
    dropdown, radio_group and checkbox_group, and refused for every other type.
    """

    type: FieldType
    label: Label | None = None
    page: Page
    x: Coordinate
    y: Coordinate
    width: Size
    height: Size
    required: bool = True
    readOnly: bool = False
    assignedTo: Order | None = Field(default=0, description="The `order` of the signer who fills the field")
    placeholder: Short | None = None
    options: Options | None = Field(default=None, validate_default=True)
    defaultValue: LongText | None = None
    validation: Short | None = Field(default=None, description="A validation rule, e.g. a pattern")
    group: Tag | None = None
    format: Tag | None = Field(default=None, description="Display format, e.g. of a date")

    @field_validator("options")
    @classmethod
    def _options_fit_type(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if "type" in info.data:
            problem = rules.field_problems(info.data["type"], value, None).get("options")
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("defaultValue")
    @classmethod
    def _default_is_an_option(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "type" in info.data and "options" in info.data:
            problem = rules.field_problems(info.data["type"], info.data["options"], value).get("defaultValue")
            if problem:
                raise ValueError(problem)
        return value


class FieldUpdate(PatchModel):
    """Body of PATCH /api/v1/documents/{id}/fields/{fieldId} (draft only). The options rules
    are checked against the field as it will be after the change."""

    NOT_NULL = frozenset({"type", "page", "x", "y", "width", "height", "required", "readOnly"})

    type: FieldType | None = None
    label: Label | None = None
    page: Page | None = None
    x: Coordinate | None = None
    y: Coordinate | None = None
    width: Size | None = None
    height: Size | None = None
    required: bool | None = None
    readOnly: bool | None = None
    assignedTo: Order | None = None
    placeholder: Short | None = None
    options: Options | None = None
    defaultValue: LongText | None = None
    validation: Short | None = None
    group: Tag | None = None
    format: Tag | None = None


# --- response building blocks -----------------------------------------------------------------
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# Integral positions are written as integers (100, not 100.0), as in the reference.
Number = int | float


class ResponseModel(BaseModel):
    """Built by handlers from rows; `_count` (not a valid Python name) is a serialization alias."""


class DocumentCounts(ResponseModel):
    """Counts of a document's related resources."""

    signers: int
    fields: int
    attachments: int


class PageMeta(ResponseModel):
    """Cursor pagination: pass `nextCursor` as `cursor` for the next page while `hasMore`."""

    count: int
    hasMore: bool
    nextCursor: str | None


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
    fileSize: int
    mimeType: str
    order: int
    createdAt: Timestamp


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
    originalFileHash: str | None = Field(description=(
        "SHA-256 (hex) of the file as uploaded, kept unchanged in storage. `documentHash` is that of the PDF "
        "signers see and sign: equal to this one unless the upload was an image (converted to a PDF) or "
        "active content was removed from it"))
    activeContentRemoved: bool = Field(description=(
        "True when the uploaded PDF contained active content (JavaScript, automatic actions, launch actions, "
        "embedded files, XFA…) that was removed from the copy signers see and sign; links stay"))
    activeContentKinds: list[ActiveKind] = Field(description="What was removed, when activeContentRemoved is true")


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


class SignerCreated(ResponseModel):
    """The signer just added."""

    id: str
    email: str
    name: str
    role: SignerRole
    status: SignerStatus
    order: int
    createdAt: Timestamp


class FormField(DocumentFormField):
    """A field of a document (positions in PDF points, top-left origin, y downwards)."""

    validation: str | None
    group: str | None
    format: str | None
    documentId: str


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


class OrgStats(ResponseModel):
    """Resource counts of an organisation (internal: the gateway's GET /api/v1/org uses it)."""

    documents: int
    templates: int
    campaigns: int


class OrgStatsResponse(ResponseModel):
    """GET /internal/org-stats."""

    data: OrgStats


class InternalDocument(ResponseModel):
    """What other services may know of a document: whether it exists for an organisation."""

    id: str
    name: str
    status: DocumentStatus


class InternalDocumentResponse(ResponseModel):
    """GET /internal/documents/{id}."""

    data: InternalDocument


D = "/api/v1/documents"
# (method, path as in services.gateway.routes.ROUTES) -> (success status, body model or None).
RESPONSE_MODELS: dict[tuple[str, str], tuple[int, type[BaseModel] | None]] = {
    ("GET", D): (200, DocumentListResponse),
    ("POST", D): (201, DocumentCreatedResponse),
    ("GET", D + "/{id}"): (200, DocumentDetailResponse),
    ("PATCH", D + "/{id}"): (200, DocumentDetailResponse),
    ("DELETE", D + "/{id}"): (204, None),
    ("GET", D + "/{id}/signers"): (200, SignerListResponse),
    ("POST", D + "/{id}/signers"): (201, SignerCreatedResponse),
    ("PATCH", D + "/{id}/signers/{signerId}"): (200, SignerResponse),
    ("DELETE", D + "/{id}/signers/{signerId}"): (204, None),
    ("GET", D + "/{id}/fields"): (200, FieldListResponse),
    ("POST", D + "/{id}/fields"): (201, FieldResponse),
    ("PATCH", D + "/{id}/fields/{fieldId}"): (200, FieldResponse),
    ("DELETE", D + "/{id}/fields/{fieldId}"): (204, None),
}
REQUEST_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", D): DocumentCreate,
    ("PATCH", D + "/{id}"): DocumentUpdate,
    ("POST", D + "/{id}/signers"): SignerCreate,
    ("PATCH", D + "/{id}/signers/{signerId}"): SignerUpdate,
    ("POST", D + "/{id}/fields"): FieldCreate,
    ("PATCH", D + "/{id}/fields/{fieldId}"): FieldUpdate,
}
QUERY_MODELS: dict[tuple[str, str], type[BaseModel]] = {("GET", D): DocumentListQuery}
# Routes other services call directly (never public, not in the OpenAPI document).
INTERNAL_RESPONSE_MODELS: dict[tuple[str, str], tuple[int, type[BaseModel]]] = {
    ("GET", "/internal/org-stats"): (200, OrgStatsResponse),
    ("GET", "/internal/documents/{id}"): (200, InternalDocumentResponse),
}
