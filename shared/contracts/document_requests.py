"""Request bodies and query of the documents API: documents, signers and fields.

Handlers parse requests through these models, and the OpenAPI document is generated from them,
so what is accepted and what is described cannot drift apart. Shapes, keys and limits follow the
inSigner v1 reference (documents-api.txt is the seed). Positions and sizes of fields are PDF
points (1/72 inch) measured from the top-left corner of the page, with y growing downwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from shared.contracts import rules
from shared.contracts.common import DocumentStatus, Language, PatchModel, RequestModel, SignerRole, SigningType
from shared.contracts.redirect import RedirectUrl
from shared.contracts.rules import FieldType
from shared.text import MULTI_LINE, SINGLE_LINE

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
LanguageCode = Annotated[
    Language,
    Field(
        description=(
            "Language of the signing page, the emails and the dates written into the signed PDF: "
            "en, de, fr, es or pt (docs/languages.md)"
        )
    ),
]
# The same language where the inSigner reference has no such property (a bulk send's and a
# template use's signers, a campaign): marked as Countersign's in its description.
LanguageExtension = Annotated[
    Language,
    Field(
        description=(
            "Countersign extension: the language of the signing page, the emails and the dates written "
            "into the signed PDF: en, de, fr, es or pt (docs/languages.md)"
        )
    ),
]
Email = Annotated[EmailStr, Field(max_length=254), SINGLE_LINE]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), SINGLE_LINE]
Order = Annotated[int, Field(ge=0, le=rules.MAX_ORDER)]
Page = Annotated[int, Field(ge=1, le=rules.MAX_PAGE)]
Coordinate = Annotated[
    float, Field(ge=0, le=rules.MAX_POINTS, description="PDF points from the page's top-left corner")
]
Size = Annotated[float, Field(gt=0, le=rules.MAX_POINTS, description="PDF points")]
Label = Annotated[str, StringConstraints(max_length=200), SINGLE_LINE]
Short = Annotated[str, StringConstraints(max_length=500), SINGLE_LINE]
Options = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200), SINGLE_LINE]],
    Field(min_length=1, max_length=rules.MAX_OPTIONS),
    AfterValidator(rules.check_options),
]
Tag = Annotated[str, StringConstraints(max_length=100), SINGLE_LINE]
SignerRef = Annotated[
    str, StringConstraints(pattern=r"^sr_[0-9a-z]{20}$"), Field(description="The id of a signer of this document")
]
Pattern = Annotated[
    str,
    StringConstraints(min_length=1, max_length=rules.MAX_PATTERN),
    SINGLE_LINE,
    Field(
        description="A regular expression the value must contain a match of (anchor it with ^…$ for the whole value)"
    ),
]
Bound = Annotated[float, Field(ge=-rules.MAX_NUMBER, le=rules.MAX_NUMBER)]
Length = Annotated[int, Field(ge=0, le=rules.MAX_TEXT_LENGTH)]
Expression = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MAX_FORMULA),
    SINGLE_LINE,
    Field(
        description=(
            "formula fields only: an arithmetic expression over number fields of the same signer, by field id, "
            "e.g. `round(fld_… * 1.2, 2)`; + - * / ( ), numbers, and round, min, max, abs"
        )
    ),
]


# Countersign extension (the inSigner name of campaigns): docs/embedding.md#redirecturl.
DOCUMENT_REDIRECT = (
    "Where the signing page sends each signer after they sign or decline, unless the signer has their own "
    "redirectUrl: https only, no credentials, at most 2000 characters"
)
SIGNER_REDIRECT = (
    "Where the signing page sends this signer after they sign or decline (wins over the document's): https only, "
    "no credentials, at most 2000 characters"
)


class ValidationRules(RequestModel):
    """What a filled value must satisfy, checked when the signer signs (docs/signing.md): pattern,
    minLength and maxLength for text fields; min and max for number fields. `message` replaces the
    generic error text."""

    pattern: Pattern | None = None
    minLength: Length | None = None
    maxLength: Length | None = None
    min: Bound | None = None
    max: Bound | None = None
    message: Annotated[str, StringConstraints(max_length=200), SINGLE_LINE] | None = None


Validation = Annotated[
    Pattern | ValidationRules,
    Field(description="A pattern (a string, as before), or an object of rules"),
]


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
    redirectUrl: RedirectUrl | None = Field(default=None, description=DOCUMENT_REDIRECT)
    # Countersign extension: the default for signers without a language of their own.
    language: LanguageCode | None = None


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
    redirectUrl: RedirectUrl | None = Field(default=None, description=DOCUMENT_REDIRECT)
    language: LanguageCode | None = None


class DocumentListQuery(BaseModel):
    """Query of GET /api/v1/documents besides `limit` (1–100, default 25) and `cursor`,
    which every list shares (shared.pagination)."""

    model_config = ConfigDict(extra="ignore")

    status: DocumentStatus | None = None
    search: Annotated[str, StringConstraints(max_length=200), SINGLE_LINE] | None = Field(
        default=None, description="Case-insensitive substring of the document name"
    )


class SignerCreate(RequestModel):
    """Body of POST /api/v1/documents/{id}/signers (draft only, at most 50 per document)."""

    email: Email
    name: Name
    role: SignerRole = "signer"
    order: Order = Field(default=0, description="Signing order group for sequential documents")
    phone: Phone | None = None
    redirectUrl: RedirectUrl | None = Field(default=None, description=SIGNER_REDIRECT)
    language: LanguageCode | None = None


class SignerUpdate(PatchModel):
    """Body of PATCH /api/v1/documents/{id}/signers/{signerId}: any property while draft; while
    action_required, a new `email` for a signer whose address bounced (re-invites them)."""

    NOT_NULL = frozenset({"email", "name", "role", "order"})

    email: Email | None = None
    name: Name | None = None
    role: SignerRole | None = None
    order: Order | None = None
    phone: Phone | None = None
    redirectUrl: RedirectUrl | None = Field(default=None, description=SIGNER_REDIRECT)
    language: LanguageCode | None = None


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
    validation: Validation | None = Field(default=None, description="A pattern, or an object of rules")
    group: Tag | None = None
    format: Tag | None = Field(default=None, description="Display format, e.g. of a date")
    # Countersign extensions, after the reference's properties.
    signerId: SignerRef | None = Field(
        default=None,
        description=(
            "The signer who fills the field, by id: settles an order shared by several participants; "
            "assignedTo then follows that signer's order"
        ),
    )
    formula: Expression | None = None

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
    validation: Validation | None = None
    group: Tag | None = None
    format: Tag | None = None
    signerId: SignerRef | None = None
    formula: Expression | None = None
