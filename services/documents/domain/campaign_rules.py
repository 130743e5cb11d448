"""Campaign rules (pure): which templates a campaign can use, whether its link takes a visitor
now, and its slug."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.documents.domain.errors import Conflicting, FieldIssue

# The public page shows each refusal by its code (services/gateway/campaign_page/).
PAUSED, CLOSED, EXPIRED, FULL = "campaign-paused", "campaign-closed", "campaign-expired", "campaign-full"


def template_refusal(roles: Sequence[Mapping[str, Any]]) -> Conflicting | None:
    """Each visitor fills the template's one role, which must be a signer: a campaign has no list
    of other people to fill further roles with (the reference's "Public Signer")."""
    if len(roles) == 1 and roles[0]["role"] == "signer":
        return None
    return Conflicting(
        "A campaign's template must have exactly one role, a signer: each visitor fills it",
        code="campaign-template-unsuitable",
        fields=[FieldIssue("templateId", f"The template has {len(roles)} roles; a campaign needs one signer role")],
    )


def closed_reason(campaign: Mapping[str, Any], now: datetime) -> Conflicting | None:
    """Why the link takes no new visitor now (paused, closed, expired), or None. Being full is
    checked apart (`is_full`): a visitor who already holds an unsigned document still gets it."""
    if campaign["status"] == "paused":
        return Conflicting("This campaign is paused; it takes no submissions for now", code=PAUSED)
    if campaign["status"] == "closed":
        return Conflicting("This campaign is closed", code=CLOSED)
    if campaign["expires_at"] is not None and campaign["expires_at"] <= now:
        return Conflicting("This campaign has expired", code=EXPIRED)
    return None


def is_full(campaign: Mapping[str, Any]) -> bool:
    limit = campaign["max_submissions"]
    return limit is not None and campaign["submission_count"] >= limit


def full() -> Conflicting:
    return Conflicting("This campaign has reached its maximum number of submissions", code=FULL)


def page_state(campaign: Mapping[str, Any], now: datetime) -> str:
    """What the public page shows: "open", or the code of the refusal a submission would meet."""
    reason = closed_reason(campaign, now)
    if reason is not None:
        return reason.code or CLOSED
    return FULL if is_full(campaign) else "open"


def slug(name: str) -> str:
    """`Employee Onboarding NDA` → `employee-onboarding-nda-a1b2c3d4` (as the reference shows)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return f"{words or 'campaign'}-{secrets.token_hex(4)}"
