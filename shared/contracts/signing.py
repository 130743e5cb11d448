"""Bodies of the lifecycle endpoints (send, cancel, remind, signing-url) and the signer-facing
signing API (/api/v1/signing/{token}/…), as pydantic models.

Send and cancel answer as the inSigner reference does ("Send a document", "Cancel a document");
the rest is Countersign's design (docs/signing.md). The PDF answers are described by raw JSON
schemas (PDF_BODY, SIGNED_COPY_BODY) in the route table (shared/contracts/routes.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shared.contracts.common import (
    DocumentStatus,
    Language,
    Number,
    RequestModel,
    ResponseModel,
    SignerRole,
    SignerStatus,
    SigningType,
    Timestamp,
)
from shared.contracts.document_responses import FieldValidationRules
from shared.contracts.rules import FieldType
from shared.contracts.signing_page import SigningSender
from shared.text import MULTI_LINE, SINGLE_LINE

# --- requests ---------------------------------------------------------------------------------


class EmptyRequest(RequestModel):
    """No body is needed (an empty body or `{}`)."""


class SubmittedValue(RequestModel):
    """One field's value; its JSON type depends on the field's type (docs/signing.md)."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64), SINGLE_LINE]
    value: Any = Field(
        default=None,
        description=(
            'signature/initials: {"type": "typed", "text"} or {"type": "drawn", "image": "data:image/png;base64,…"}; '
            "checkbox: boolean; dropdown/radio_group: one option; checkbox_group: list of options; date: YYYY-MM-DD; "
            "number: number; text-like types: string"
        ),
    )


class SignRequest(RequestModel):
    """Body of POST /api/v1/signing/{token}/sign: consent and the signer's field values.

    name, email and date_signed fields are filled in by the server and must not be sent."""

    consent: bool = Field(default=False, description="Must be true: the signer agrees to sign electronically")
    fields: Annotated[list[SubmittedValue], Field(max_length=500)] = Field(default_factory=list)


class DeclineRequest(RequestModel):
    """Body of POST /api/v1/signing/{token}/decline."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), MULTI_LINE] = Field(
        description="Why the signer declines; shown to the sender"
    )


class OtpVerifyRequest(RequestModel):
    """Body of POST /api/v1/signing/{token}/otp/verify: the code emailed to the signer."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


# --- lifecycle responses ----------------------------------------------------------------------


class SendResult(ResponseModel):
    """The document, now out for signature."""

    id: str
    status: DocumentStatus
    signerCount: int = Field(description="Signers on the document (viewers included, as in _count.signers)")
    sentAt: Timestamp


class SendResponse(ResponseModel):
    """POST /api/v1/documents/{id}/send."""

    data: SendResult


class CancelResult(ResponseModel):
    """The cancelled document."""

    id: str
    status: DocumentStatus
    cancelledSigners: int = Field(description="Signers and approvers who had not finished")


class CancelResponse(ResponseModel):
    """POST /api/v1/documents/{id}/cancel."""

    data: CancelResult


class RemindResult(ResponseModel):
    """Reminders queued for every signer whose turn it is."""

    id: str
    remindedSigners: int


class RemindResponse(ResponseModel):
    """POST /api/v1/documents/{id}/remind."""

    data: RemindResult


class SigningUrl(ResponseModel):
    """A fresh signing link for embedded signing; earlier links of this signer stop working."""

    signerId: str
    url: str
    expiresAt: Timestamp | None


class SigningUrlResponse(ResponseModel):
    """POST /api/v1/documents/{id}/signers/{signerId}/signing-url."""

    data: SigningUrl


# --- signing API responses --------------------------------------------------------------------


class PageSize(ResponseModel):
    """A page's size in PDF points, as displayed."""

    page: int
    width: Number
    height: Number


class SigningSigner(ResponseModel):
    """The person this signing link belongs to."""

    id: str
    name: str
    email: str
    role: SignerRole
    status: SignerStatus
    viewedAt: Timestamp | None
    signedAt: Timestamp | None


class SigningField(ResponseModel):
    """A field this signer fills (PDF points from the page's top-left corner)."""

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
    placeholder: str | None
    defaultValue: str | None
    options: list[str] | None
    autoFilled: bool = Field(description="Filled in by the server (name, email, date signed, read-only values)")
    # Countersign extensions, after the reference's keys: what the signing page checks and shows.
    validation: FieldValidationRules | None = Field(
        default=None, description="The rules the value must satisfy (a pattern given as a string is its `pattern`)"
    )
    formula: str | None = Field(default=None, description="formula fields: the expression their value is computed from")


class SigningAttachment(ResponseModel):
    """A file sent along with the document: the signer downloads it (a PDF) from
    GET /api/v1/signing/{token}/attachments/{id}."""

    id: str
    fileName: str
    fileSize: int
    pageCount: int | None
    fieldId: str | None = Field(default=None, description="The signer's attachment field this file was uploaded into")


class SigningAttachmentResponse(ResponseModel):
    """POST /api/v1/signing/{token}/fields/{fieldId}/attachment: the file now in the field."""

    data: SigningAttachment


class SigningSession(ResponseModel):
    """What a signing page needs to show the document to its signer."""

    documentId: str
    name: str
    message: str | None
    signingType: SigningType
    expiresAt: Timestamp | None
    pageCount: int
    pages: list[PageSize]
    signer: SigningSigner
    fields: list[SigningField]
    otpRequired: bool
    otpVerified: bool
    otpLocked: bool = Field(
        description=(
            "Too many wrong codes (OTP_LOCK_AFTER_FAILURES): no code is sent or accepted until the sender re-sends "
            "the link (POST …/remind or …/signing-url)"
        )
    )
    isTurn: bool = Field(description="Whether the signer may act now (sequential documents go group by group)")
    attachments: list[SigningAttachment] = Field(
        description="Files sent along with the document (no signature needed); appended to the signed PDF"
    )
    redirectUrl: str | None = Field(
        default=None,
        description=(
            "Where the page sends the signer after signing or declining (https): the signer's redirectUrl, else "
            "the document's, else its campaign's"
        ),
    )
    attachmentMaxBytes: int | None = Field(
        default=None, description="The largest file an attachment field takes (ATTACHMENT_MAX_BYTES)"
    )
    language: Language | None = Field(
        default=None,
        description=(
            "The signer's language, else the document's (docs/languages.md); null: the page follows the "
            "browser's Accept-Language"
        ),
    )
    # Trust cues: who is asking, and how the link reached the signer (docs/signing-page.md).
    sender: SigningSender | None = Field(
        default=None, description="Who sent the document: the member and organisation that created it"
    )
    sentTo: str | None = Field(
        default=None, description="The signer's email address the link was sent to, partly masked (j***@example.com)"
    )


class SigningSessionResponse(ResponseModel):
    """GET /api/v1/signing/{token}."""

    data: SigningSession


class SigningOutcome(ResponseModel):
    """The signer's part is done."""

    signerId: str
    status: Literal["completed", "declined"]
    at: Timestamp = Field(description="When they signed, approved or declined")
    documentStatus: DocumentStatus
    finalizing: bool = Field(description="Everyone is done; the signed PDF is being built")


class SigningOutcomeResponse(ResponseModel):
    """POST /api/v1/signing/{token}/sign, /approve or /decline."""

    data: SigningOutcome


class OtpSent(ResponseModel):
    """A new code is on its way to the signer's email address."""

    sentTo: str = Field(description="The address, partly masked")
    expiresAt: Timestamp


class OtpSentResponse(ResponseModel):
    """POST /api/v1/signing/{token}/otp."""

    data: OtpSent


class OtpVerified(ResponseModel):
    """The signer proved access to their email address."""

    verified: bool
    verifiedAt: Timestamp


class OtpVerifiedResponse(ResponseModel):
    """POST /api/v1/signing/{token}/otp/verify."""

    data: OtpVerified


PDF_MEDIA = "application/pdf"
PDF_BODY: dict[str, Any] = {
    "description": "The PDF the signer is asked to sign (the verified original).",
    "contentMediaType": PDF_MEDIA,
}

# The signed copy a participant downloads after completion (services/documents/api/signed_copy.py).
SIGNED_COPY_BODY: dict[str, Any] = {
    "description": (
        "The signed PDF, for a participant of a completed document (their emailed link works for "
        "SIGNED_COPY_RETENTION_DAYS after completion). Sent with Content-Length and "
        '`Content-Disposition: attachment; filename="<Name> - Signed.pdf"`.'
    ),
    "contentMediaType": PDF_MEDIA,
}
