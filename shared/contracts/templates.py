"""Request and response bodies of the templates API (docs/templates.md).

The reference (api-templates.txt) gives the list and detail shapes (`tpl_…` ids, fields `tf_…`
assigned to signer slots `ts_…` by the slot's `sortOrder`) and `templates.read`; it has no way to
create or edit a template and its `use` body was not recovered. Creation, editing, roles and
fields are Countersign extensions (marked `x-countersign-extension` in the OpenAPI document), and
`use` takes `name`, `signers` (one per slot, in slot order), `prefill` and `send`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shared.contracts.common import (
    PageMeta,
    PatchModel,
    RequestModel,
    ResponseModel,
    SignerRole,
    SigningType,
    Timestamp,
)
from shared.contracts.document_requests import (
    Email,
    FutureTimestamp,
    LanguageExtension,
    LongText,
    Name,
    Order,
    Phone,
    ReminderDays,
    Subject,
)
from shared.contracts.document_responses import DocumentFormField
from shared.text import MULTI_LINE, SINGLE_LINE

MAX_ROLES = 50  # as a document's signers
MAX_USE_SIGNERS = MAX_ROLES
Description = Annotated[str, StringConstraints(max_length=1000), MULTI_LINE]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
ExpiryDays = Annotated[int, Field(ge=1, le=365)]
DocumentRef = Annotated[str, StringConstraints(pattern=r"^c[0-9a-z]{24}$")]


class TemplateSettings(RequestModel):
    """What a template gives each document made from it."""

    description: Description | None = None
    category: Category | None = None
    signingType: SigningType = "sequential"
    message: LongText | None = None
    emailSubject: Subject | None = None
    emailMessage: LongText | None = None
    expiresInDays: ExpiryDays | None = Field(
        default=None, description="Each document made from the template expires this many days after it is made"
    )
    reminderFrequency: ReminderDays | None = Field(default=None, description="Days between reminders")
    otpMethod: Literal["email"] | None = None


class TemplateCreate(TemplateSettings):
    """Body of POST /api/v1/templates (Countersign extension). With `fromDocumentId`, the template
    takes that draft's file (shared, not copied), its signers as roles (label = the signer's name,
    in signing order) and its fields; without it, upload the file with POST /api/v1/templates/{id}/upload."""

    name: Name
    fromDocumentId: DocumentRef | None = Field(default=None, description="A draft document of the organisation")


class TemplateUpdate(PatchModel):
    """Body of PATCH /api/v1/templates/{id} (Countersign extension). null clears an optional property."""

    NOT_NULL = frozenset({"name", "signingType"})

    name: Name | None = None
    description: Description | None = None
    category: Category | None = None
    signingType: SigningType | None = None
    message: LongText | None = None
    emailSubject: Subject | None = None
    emailMessage: LongText | None = None
    expiresInDays: ExpiryDays | None = None
    reminderFrequency: ReminderDays | None = None
    otpMethod: Literal["email"] | None = None


class TemplateListQuery(RequestModel):
    """Query of GET /api/v1/templates besides `limit` and `cursor`."""

    model_config = {"extra": "ignore", "strict": False}

    category: Category | None = Field(default=None, description="Exact category")
    search: Annotated[str, StringConstraints(max_length=200), SINGLE_LINE] | None = Field(
        default=None, description="Case-insensitive substring of the template name"
    )


class RoleCreate(RequestModel):
    """Body of POST /api/v1/templates/{id}/roles (Countersign extension): a signer slot.
    `sortOrder` defaults to the next free place; fields name a slot by it (`assignedTo`)."""

    label: Name
    role: SignerRole = "signer"
    sortOrder: Order | None = None


class RoleUpdate(PatchModel):
    """Body of PATCH /api/v1/templates/{id}/roles/{roleId} (Countersign extension)."""

    NOT_NULL = frozenset({"label", "role", "sortOrder"})

    label: Name | None = None
    role: SignerRole | None = None
    sortOrder: Order | None = None


class UseSigner(RequestModel):
    """The person who fills one slot of the template."""

    name: Name
    email: Email
    phone: Phone | None = None
    language: LanguageExtension | None = None


class TemplateUse(RequestModel):
    """Body of POST /api/v1/templates/{id}/use: one document from the template.

    `signers` fill the template's slots in slot order (`sortOrder`): as many as there are slots.
    `prefill` sets fields' values before anyone signs, keyed by field label or field id (`tf_…`);
    values are checked against the field's type. `send: true` sends the document at once, with
    the same checks and events as POST /api/v1/documents/{id}/send."""

    name: Name | None = Field(default=None, description="The document's name (default: the template's)")
    signers: list[UseSigner] = Field(min_length=1, max_length=MAX_USE_SIGNERS)
    prefill: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Any] | None = None
    send: bool = False
    message: LongText | None = Field(default=None, description="Instead of the template's message")
    expiresAt: FutureTimestamp | None = Field(default=None, description="Instead of the template's expiresInDays")


# --- responses --------------------------------------------------------------------------------


class TemplateCounts(ResponseModel):
    fields: int
    signers: int


class _TemplateSummary(ResponseModel):
    """What a template's list item and detail both show first (no schema of its own)."""

    id: str
    name: str
    description: str | None
    category: str | None
    fileSize: int | None
    usageCount: int
    isPublic: bool
    createdAt: Timestamp
    updatedAt: Timestamp


class TemplateListItem(_TemplateSummary):
    """A template in a list."""

    count: TemplateCounts = Field(serialization_alias="_count")


class TemplateRole(ResponseModel):
    """A signer slot: filled by one signer of each document made from the template."""

    id: str
    role: SignerRole
    label: str
    sortOrder: int


class TemplateField(DocumentFormField):
    """A field of a template; `assignedTo` is the `sortOrder` of the slot that fills it."""


class TemplateDetail(_TemplateSummary):
    """A template with its fields and signer slots. The properties after `signers` are Countersign's."""

    fields: list[TemplateField]
    signers: list[TemplateRole]
    signingType: SigningType
    message: str | None
    emailSubject: str | None
    emailMessage: str | None
    expiresInDays: int | None
    reminderFrequency: int | None
    otpMethod: Literal["email"] | None
    fileStatus: Literal["none", "awaiting_upload", "verified", "rejected"] = Field(
        description="The file's state: `use` needs a verified file"
    )
    documentHash: str | None
    pageCount: int | None


class TemplateListResponse(ResponseModel):
    """GET /api/v1/templates."""

    data: list[TemplateListItem]
    meta: PageMeta


class TemplateDetailResponse(ResponseModel):
    """GET, POST or PATCH of a template."""

    data: TemplateDetail


class TemplateRoleListResponse(ResponseModel):
    """GET /api/v1/templates/{id}/roles, in slot order."""

    data: list[TemplateRole]


class TemplateRoleResponse(ResponseModel):
    """POST or PATCH of a role."""

    data: TemplateRole


class TemplateFieldListResponse(ResponseModel):
    """GET /api/v1/templates/{id}/fields."""

    data: list[TemplateField]


class TemplateFieldResponse(ResponseModel):
    """POST or PATCH of a template's field."""

    data: TemplateField
