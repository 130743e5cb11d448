"""Campaign rows → response bodies (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.contracts import campaigns as responses
from shared.contracts.common import PageMeta

Row = Mapping[str, Any]


def public_link(public_url: str, campaign_id: str) -> str:
    return f"{public_url.rstrip('/')}/sign/campaign/{campaign_id}"


def campaign(row: Row, public_url: str) -> responses.Campaign:
    return responses.Campaign(
        id=row["id"],
        name=row["name"],
        slug=row["slug"],
        status=row["status"],
        submissionCount=row["submission_count"],
        maxSubmissions=row["max_submissions"],
        collectPhone=row["collect_phone"],
        requireOtp=row["require_otp"],
        expiresAt=row["expires_at"],
        brandColor=row["brand_color"],
        templateId=row["template_id"],
        createdAt=row["created_at"],
        updatedAt=row["updated_at"],
        welcomeTitle=row["welcome_title"],
        welcomeMessage=row["welcome_message"],
        redirectUrl=row["redirect_url"],
        language=row["language"],
        url=public_link(public_url, row["id"]),
    )


def campaign_page(rows: Sequence[Row], meta: Mapping[str, Any], public_url: str) -> responses.CampaignListResponse:
    return responses.CampaignListResponse(data=[campaign(r, public_url) for r in rows], meta=PageMeta(**meta))


def public_view(row: Row, state: str) -> dict[str, Any]:
    """What the gateway's public page shows (GET /internal/campaigns/{id}/page): the texts as
    stored; the page escapes them."""
    return {
        "name": row["name"],
        "welcomeTitle": row["welcome_title"],
        "welcomeMessage": row["welcome_message"],
        "brandColor": row["brand_color"],
        "collectPhone": row["collect_phone"],
        "requireOtp": row["require_otp"],
        "state": state,
    }
