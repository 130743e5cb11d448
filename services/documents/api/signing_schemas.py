"""Bodies of the lifecycle endpoints (send, cancel, remind, signing-url), the signer-facing
signing API (/api/v1/signing/{token}/…) and the notifier's internal endpoints, as pydantic models.

Keyed exactly like services.gateway.routes.ROUTES, so the OpenAPI document describes them. Send and
cancel answer as the inSigner reference does ("Send a document", "Cancel a document"); the rest
is Countersign's design (docs/signing.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.documents.api.schemas import (
    DocumentStatus, FieldType, Number, RequestModel, ResponseModel, SignerRole, SignerStatus, SigningType, Timestamp,
)
from shared.text import MULTI_LINE, SINGLE_LINE

D = "/api/v1/documents"
S = "/api/v1/signing/{token}"


# --- requests ---------------------------------------------------------------------------------

class EmptyRequest(RequestModel):
    """No body is needed (an empty body or `{}`)."""


class SubmittedValue(RequestModel):
    """One field's value; its JSON type depends on the field's type (docs/signing.md)."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64), SINGLE_LINE]
    value: Any = Field(default=None, description=(
        'signature/initials: {"type": "typed", "text"} or {"type": "drawn", "image": "data:image/png;base64,…"}; '
        "checkbox: boolean; dropdown/radio_group: one option; checkbox_group: list of options; date: YYYY-MM-DD; "
        "number: number; text-like types: string"))


class SignRequest(RequestModel):
    """Body of POST /api/v1/signing/{token}/sign: consent and the signer's field values.

    name, email and date_signed fields are filled in by the server and must not be sent."""

    consent: bool = Field(default=False, description="Must be true: the signer agrees to sign electronically")
    fields: Annotated[list[SubmittedValue], Field(max_length=500)] = Field(default_factory=list)


class DeclineRequest(RequestModel):
    """Body of POST /api/v1/signing/{token}/decline."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), MULTI_LINE] = Field(
        description="Why the signer declines; shown to the sender")


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
    otpLocked: bool = Field(description=(
        "Too many wrong codes (OTP_LOCK_AFTER_FAILURES): no code is sent or accepted until the sender re-sends "
        "the link (POST …/remind or …/signing-url)"))
    isTurn: bool = Field(description="Whether the signer may act now (sequential documents go group by group)")


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


# --- internal (the notifier) ------------------------------------------------------------------

class SigningLink(ResponseModel):
    """A signer's current link, recomputed from the signing secret."""

    url: str
    expiresAt: Timestamp | None


class SigningLinkResponse(ResponseModel):
    """GET /internal/signers/{signerId}/signing-link."""

    data: SigningLink


class OtpCode(ResponseModel):
    """The signer's live one-time code, for the email that carries it."""

    code: str
    expiresAt: Timestamp


class OtpCodeResponse(ResponseModel):
    """GET /internal/signers/{signerId}/otp-code."""

    data: OtpCode


PDF_MEDIA = "application/pdf"
PDF_BODY: dict[str, Any] = {
    "description": "The PDF the signer is asked to sign (the verified original).",
    "contentMediaType": PDF_MEDIA,
}

REQUEST_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", D + "/{id}/send"): EmptyRequest,
    ("POST", D + "/{id}/cancel"): EmptyRequest,
    ("POST", D + "/{id}/remind"): EmptyRequest,
    ("POST", D + "/{id}/signers/{signerId}/signing-url"): EmptyRequest,
    ("POST", S + "/sign"): SignRequest,
    ("POST", S + "/approve"): EmptyRequest,
    ("POST", S + "/decline"): DeclineRequest,
    ("POST", S + "/otp"): EmptyRequest,
    ("POST", S + "/otp/verify"): OtpVerifyRequest,
}
RESPONSE_MODELS: dict[tuple[str, str], tuple[int, type[BaseModel] | dict[str, Any]]] = {
    ("POST", D + "/{id}/send"): (200, SendResponse),
    ("POST", D + "/{id}/cancel"): (200, CancelResponse),
    ("POST", D + "/{id}/remind"): (200, RemindResponse),
    ("POST", D + "/{id}/signers/{signerId}/signing-url"): (200, SigningUrlResponse),
    ("GET", S): (200, SigningSessionResponse),
    ("GET", S + "/file"): (200, PDF_BODY),
    ("POST", S + "/sign"): (200, SigningOutcomeResponse),
    ("POST", S + "/approve"): (200, SigningOutcomeResponse),
    ("POST", S + "/decline"): (200, SigningOutcomeResponse),
    ("POST", S + "/otp"): (202, OtpSentResponse),
    ("POST", S + "/otp/verify"): (200, OtpVerifiedResponse),
}
# The signed copy a participant downloads after completion (services/documents/api/signed_copy.py).
SIGNED_COPY_BODY: dict[str, Any] = {
    "description": ("The signed PDF, for a participant of a completed document (their emailed link works for "
                    "SIGNED_COPY_RETENTION_DAYS after completion). Sent with Content-Length and "
                    "`Content-Disposition: attachment; filename=\"<Name> - Signed.pdf\"`."),
    "contentMediaType": PDF_MEDIA,
}
RESPONSE_MODELS[("GET", S + "/download")] = (200, SIGNED_COPY_BODY)
# Responses that are not JSON: their media type (as in file_schemas).
RESPONSE_MEDIA: dict[tuple[str, str], str] = {("GET", S + "/file"): PDF_MEDIA, ("GET", S + "/download"): PDF_MEDIA}
# Errors besides those derived from each operation's shape: a dead document is 410, a signer who
# has not verified their one-time code 403 (`otp-required`, or `otp-locked` after too many wrong
# codes), and acting out of turn or twice 409. Codes: 403 `otp-locked`, 429 `otp-too-soon` /
# `otp-daily-limit`.
_SIGNING_ERRORS = (403, 409, 410)
EXTRA_ERROR_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", S): (409, 410),
    ("GET", S + "/file"): _SIGNING_ERRORS,
    # 409 before completion or while on hold, 410 after another ending or once the retention ended.
    ("GET", S + "/download"): (409, 410),
    **{("POST", S + suffix): _SIGNING_ERRORS for suffix in ("/sign", "/approve", "/decline")},
    ("POST", S + "/otp"): (403, 409, 410, 429),
    ("POST", S + "/otp/verify"): (403, 409, 410),
}
# Routes the notifier calls directly (never public, not in the OpenAPI document).
INTERNAL_RESPONSE_MODELS: dict[tuple[str, str], tuple[int, type[BaseModel]]] = {
    ("GET", "/internal/signers/{signerId}/signing-link"): (200, SigningLinkResponse),
    ("GET", "/internal/signers/{signerId}/otp-code"): (200, OtpCodeResponse),
}
