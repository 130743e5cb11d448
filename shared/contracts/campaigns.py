"""Request and response bodies of the campaigns API (docs/templates.md#campaigns).

The reference (api-campaigns.txt) gives the list query and item shape (`cmp_…` ids, `status`
active | paused | closed, `submissionCount`), the create body and the scopes campaigns.read,
.create, .update, .delete; its get, update and delete sections were not recovered, so they take
the house shapes (PATCH as for documents and templates, DELETE 204). The visitor's submission
(POST /api/v1/campaigns/{id}/submissions, no API key) is a Countersign extension: the public
page /sign/campaign/{id} posts its form there.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from shared.contracts.common import Language, PageMeta, PatchModel, RequestModel, ResponseModel, Timestamp
from shared.contracts.document_requests import Email, FutureTimestamp, LanguageExtension, Name, Phone
from shared.contracts.redirect import RedirectUrl
from shared.text import MULTI_LINE, SINGLE_LINE

CampaignStatus = Literal["active", "paused", "closed"]
TemplateRef = Annotated[str, StringConstraints(pattern=r"^tpl_[0-9a-z]{20}$")]
WelcomeTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), SINGLE_LINE]
WelcomeMessage = Annotated[str, StringConstraints(max_length=1000), MULTI_LINE]
BrandColor = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"),
    Field(description='Hex colour for the public page, "#RRGGBB"', examples=["#003271"]),
]


class CampaignCreate(RequestModel):
    """Body of POST /api/v1/campaigns. The template must have exactly one role, a signer: each
    visitor fills it (409 `campaign-template-unsuitable` otherwise)."""

    templateId: TemplateRef
    name: Name
    welcomeTitle: WelcomeTitle | None = None
    welcomeMessage: WelcomeMessage | None = None
    maxSubmissions: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    expiresAt: FutureTimestamp | None = None
    collectPhone: bool = True
    requireOtp: bool = Field(default=False, description="The visitor confirms a code emailed to them before signing")
    requireKyc: bool = Field(default=False, description="Not available: only false is accepted")
    brandColor: BrandColor | None = None
    redirectUrl: RedirectUrl | None = None
    language: LanguageExtension | None = Field(
        default=None,
        description="Countersign extension: the language of every document a visitor makes (docs/languages.md)",
    )

    @field_validator("requireKyc")
    @classmethod
    def _no_kyc(cls, value: bool) -> bool:
        if value:
            raise ValueError("Identity verification (KYC) is not available")
        return value


class CampaignUpdate(PatchModel):
    """Body of PATCH /api/v1/campaigns/{id}. null clears an optional property; `status` pauses
    (paused), reopens (active) or ends (closed) the public link."""

    NOT_NULL = frozenset({"name", "status", "collectPhone", "requireOtp"})

    name: Name | None = None
    status: CampaignStatus | None = None
    welcomeTitle: WelcomeTitle | None = None
    welcomeMessage: WelcomeMessage | None = None
    maxSubmissions: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    expiresAt: FutureTimestamp | None = None
    collectPhone: bool | None = None
    requireOtp: bool | None = None
    brandColor: BrandColor | None = None
    redirectUrl: RedirectUrl | None = None
    language: LanguageExtension | None = None


class CampaignListQuery(RequestModel):
    """Query of GET /api/v1/campaigns besides `limit` and `cursor`."""

    model_config = {"extra": "ignore", "strict": False}

    status: CampaignStatus | None = Field(default=None, description="Filter: active, paused, closed")
    search: Annotated[str, StringConstraints(max_length=200), SINGLE_LINE] | None = Field(
        default=None, description="Case-insensitive substring of the campaign name"
    )


class CampaignSubmission(RequestModel):
    """Body of POST /api/v1/campaigns/{id}/submissions (Countersign extension, no API key): the
    visitor of the public link. `phone` only when the campaign collects it."""

    name: Name
    email: Email
    phone: Phone | None = None


# --- responses --------------------------------------------------------------------------------


class Campaign(ResponseModel):
    """A campaign (the reference's list item, then the properties of its create body and `url`)."""

    id: str
    name: str
    slug: str
    status: CampaignStatus
    submissionCount: int
    maxSubmissions: int | None
    collectPhone: bool
    requireOtp: bool
    expiresAt: Timestamp | None
    brandColor: str | None
    templateId: str
    createdAt: Timestamp
    updatedAt: Timestamp
    welcomeTitle: str | None
    welcomeMessage: str | None
    redirectUrl: str | None
    language: Language | None = Field(description="Countersign extension: its documents' language")
    url: str = Field(description="The public link: /sign/campaign/{id} on this server")


class CampaignResponse(ResponseModel):
    """POST, GET or PATCH of a campaign."""

    data: Campaign


class CampaignListResponse(ResponseModel):
    """GET /api/v1/campaigns."""

    data: list[Campaign]
    meta: PageMeta


class CampaignSubmitted(ResponseModel):
    signingUrl: str = Field(description="The visitor's signing page (/sign/{token})")
    existing: bool = Field(
        description="true: the visitor's earlier unsigned document from this campaign, not a new one"
    )


class CampaignSubmittedResponse(ResponseModel):
    """POST /api/v1/campaigns/{id}/submissions."""

    data: CampaignSubmitted
