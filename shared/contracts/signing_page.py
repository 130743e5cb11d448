"""Signing-API bodies that serve the signing page's trust cues and dead ends (docs/signing.md):
who sent the document, what a link leads to without an error status, and a signature uploaded
as a picture.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from shared.contracts.common import Language, ResponseModel, Timestamp

LinkStateName = Literal[
    "open",
    "unknown",
    "document-on-hold",
    "document-completed",
    "document-cancelled",
    "document-expired",
    "document-declined",
]


DownloadState = Literal["ready", "preparing", "expired"]
# A completed document's signed copy: stored and kept, still being built, past the retention.
DOWNLOAD_READY: DownloadState = "ready"
DOWNLOAD_PREPARING: DownloadState = "preparing"
DOWNLOAD_EXPIRED: DownloadState = "expired"


class SigningSender(ResponseModel):
    """Who asked the signer: the API key's member and their organisation when the document was
    created (null when the creator was not named)."""

    name: str | None
    orgName: str | None
    logoUrl: str | None = Field(
        default=None, description="The organisation's logo (PUT /api/v1/org/logo), a path on this origin"
    )


class LinkState(ResponseModel):
    """What a signing link leads to now. Answered 200 for every link, known or not."""

    state: LinkStateName = Field(
        description=(
            "`open`: GET /api/v1/signing/{token} has the rest; `unknown`: no such link (the summary answers 404); "
            "otherwise the summary's 409/410 slug"
        )
    )
    download: DownloadState | None = Field(
        default=None,
        description="A completed document's signed copy: ready, still being built, or past SIGNED_COPY_RETENTION_DAYS",
    )
    downloadUntil: Timestamp | None = Field(default=None, description="Until when the signed copy is kept")
    language: Language | None = Field(
        default=None,
        description=(
            "The signer's language, else the document's (docs/languages.md), so a dead end reads in it; "
            "null for an unknown link or when neither has one"
        ),
    )


class LinkStateResponse(ResponseModel):
    """GET /api/v1/signing/{token}/state."""

    data: LinkState


class SignatureImageUpload(BaseModel):
    """A picture of the signer's signature, as the form field `file` of a multipart/form-data body."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "A PNG or JPEG image of at most SIGNATURE_UPLOAD_MAX_BYTES (5 MB).",
            }
        ),
    ]


class SignatureImage(ResponseModel):
    """The uploaded signature, cleaned: a new transparent PNG trimmed to the ink and scaled for the
    field's box. Nothing is stored; send it as the field's value with POST …/sign."""

    type: Literal["drawn"] = "drawn"
    image: str = Field(description="data:image/png;base64,…: the value to send for the field")
    width: int = Field(description="Pixels")
    height: int = Field(description="Pixels")


class SignatureImageResponse(ResponseModel):
    """POST /api/v1/signing/{token}/fields/{fieldId}/signature-image."""

    data: SignatureImage
