"""What the documents service answers other services on its /internal/ endpoints (never public,
not in the OpenAPI document): the gateway's organisation counts, the audit service's visibility
check and the notifier's links and codes. Readers take these shapes as given here.
"""

from __future__ import annotations

from shared.contracts.common import DocumentStatus, ResponseModel, Timestamp


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
