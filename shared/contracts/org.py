"""Wire models of what the gateway answers itself: organisation, members, problem details.

The OpenAPI document is generated from these (and the other contract modules), so a handler that
builds its body through them cannot drift from the description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema


class _Wire(BaseModel):
    # Responses are built by the server; populate_by_name lets handlers use Python names
    # (`count`) while the wire keeps the reference's spelling (`_count`).
    model_config = ConfigDict(populate_by_name=True)


class ProblemFieldError(_Wire):
    """One invalid field of a request: its dotted path and what is wrong with it."""

    field: str = Field(description="Dotted path of the offending field, e.g. `options.0` or `limit`.")
    message: str = Field(description="Human-readable reason, e.g. `Required` or `Invalid email`.")


class ProblemDetails(_Wire):
    """An RFC 9457 problem: the body of every error on /api/v1 (`application/problem+json`)."""

    type: str = Field(
        description="URI identifying the error type; branch on this in code.",
        examples=["https://docs.insigner.com/errors/validation-error"],
    )
    title: str = Field(description="Short summary of the error type, e.g. `Not Found`.")
    status: int = Field(ge=400, le=599, description="The HTTP status code, repeated for convenience.")
    detail: str = Field(description="Explanation of this occurrence.")
    # Absent (not null) when there are no field errors, as in the reference's examples.
    errors: list[ProblemFieldError] = Field(
        default_factory=list,
        description="Field-level validation errors; present only when a request had invalid fields.",
    )


class OrganizationCounts(_Wire):
    """How many resources the organisation holds."""

    members: int = Field(ge=0)
    documents: int = Field(ge=0, description="Documents not deleted.")
    templates: int = Field(ge=0)
    campaigns: int = Field(ge=0)
    api_keys: int = Field(ge=0, alias="apiKeys", description="API keys not revoked.")


class Organization(_Wire):
    """The organisation that owns the calling API key."""

    id: str = Field(examples=["org_abc123"])
    name: str
    slug: str
    type: str = Field(examples=["business"])
    image: str | None = Field(description="Logo URL, or null.")
    signature_level: str = Field(alias="signatureLevel", examples=["simple", "advanced"])
    timestamp_provider: str = Field(alias="timestampProvider", examples=["default"])
    default_otp_method: str | None = Field(alias="defaultOtpMethod", examples=["email"])
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    count: OrganizationCounts = Field(alias="_count")


class OrganizationResponse(_Wire):
    """The organisation that owns the API key, with its resource counts."""

    data: Organization


class Member(_Wire):
    """A person in the organisation."""

    id: str
    name: str
    email: str
    image: str | None = Field(description="Avatar URL, or null.")
    role: Literal["owner", "admin", "member"]
    joined_at: datetime = Field(alias="joinedAt")


class MemberListResponse(_Wire):
    """Every member of the organisation, oldest first (not paginated)."""

    data: list[Member]


class LogoUpload(BaseModel):
    """The organisation's logo, as the form field `file` of a multipart/form-data body."""

    file: Annotated[
        bytes,
        WithJsonSchema(
            {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "A PNG or JPEG image of at most 512 KB; stored as a PNG of at most 600 x 200 pixels.",
            }
        ),
    ]


# The largest logo file PUT /api/v1/org/logo takes. Below MAX_BODY_BYTES even as the base64 of
# the gateway's internal call (POST /internal/logos/check): a logo needs no larger body than JSON.
LOGO_MAX_BYTES = 512 * 1024


class OrganizationLogo(_Wire):
    """The logo now shown on signing pages and in emails of documents created from now on."""

    image: str = Field(description="Its public URL (also the organisation's `image`).")
    sha256: str = Field(description="SHA-256 of the stored PNG, which names it.")
    width: int = Field(description="Pixels.")
    height: int = Field(description="Pixels.")


class OrganizationLogoResponse(_Wire):
    """PUT /api/v1/org/logo."""

    data: OrganizationLogo
