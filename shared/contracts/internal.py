"""What the documents service answers other services on its /internal/ endpoints (never public,
not in the OpenAPI document): the gateway's organisation counts and logo check, the audit
service's visibility check and the notifier's links and codes. Readers take these shapes as given
here.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field

from shared.contracts.common import DocumentStatus, RequestModel, ResponseModel, Timestamp
from shared.contracts.org import LOGO_MAX_BYTES


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


class LogoCheckRequest(RequestModel):
    """POST /internal/logos/check: the file the gateway received for PUT /api/v1/org/logo."""

    image: Annotated[str, Field(min_length=1, max_length=4 * math.ceil(LOGO_MAX_BYTES / 3))] = Field(
        description="The file's bytes, base64"
    )


class LogoCheck(ResponseModel):
    """The logo rebuilt as a PNG (`png`, base64), or why it is refused (`code`: the problem's slug,
    `message`: its detail) — a refusal is an answer, not an error of the call."""

    png: str | None = None
    code: str | None = None
    message: str | None = None


class LogoCheckResponse(ResponseModel):
    """POST /internal/logos/check."""

    data: LogoCheck
