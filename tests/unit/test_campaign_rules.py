"""Campaign rules (services/documents/domain/campaign_rules.py), the page's HTML
(services/gateway/campaign_page/render.py) and the create body's checks (shared/contracts/campaigns.py):
pure, no I/O."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.documents.domain import campaign_rules as rules
from services.gateway.campaign_page.render import STATE_TEXT, form_page, state_page
from shared.contracts.campaigns import CampaignCreate

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def campaign(**changes: Any) -> dict[str, Any]:
    return {"status": "active", "expires_at": None, "max_submissions": None, "submission_count": 0} | changes


@pytest.mark.parametrize(
    ("row", "state"),
    [
        (campaign(), "open"),
        (campaign(max_submissions=3, submission_count=2), "open"),
        (campaign(max_submissions=3, submission_count=3), "campaign-full"),
        (campaign(status="paused", max_submissions=1, submission_count=1), "campaign-paused"),
        (campaign(status="closed"), "campaign-closed"),
        (campaign(expires_at=NOW), "campaign-expired"),  # at the instant it ends: over
        (campaign(expires_at=NOW + timedelta(seconds=1)), "open"),
    ],
)
def test_the_page_state_is_the_refusal_a_submission_would_meet(row: dict[str, Any], state: str) -> None:
    assert rules.page_state(row, NOW) == state
    assert state in STATE_TEXT or state == "open"


def test_only_a_template_of_one_signer_role_makes_a_campaign() -> None:
    assert rules.template_refusal([{"role": "signer"}]) is None
    for roles in ([], [{"role": "approver"}], [{"role": "signer"}, {"role": "signer"}]):
        refusal = rules.template_refusal(roles)
        assert refusal is not None and refusal.code == "campaign-template-unsuitable"
        assert [f.field for f in refusal.fields] == ["templateId"]


def test_slugs_follow_the_references_shape() -> None:
    assert re.fullmatch(r"employee-onboarding-nda-[0-9a-f]{8}", rules.slug("Employee Onboarding NDA"))
    assert re.fullmatch(r"cafe-creme-[0-9a-f]{8}", rules.slug("Café  Crème!"))
    assert re.fullmatch(r"campaign-[0-9a-f]{8}", rules.slug("日本語"))
    assert rules.slug("Same") != rules.slug("Same")


def test_the_form_page_escapes_every_text_and_carries_only_a_hex_colour() -> None:
    view = {
        "name": "<b>n</b>",
        "welcomeTitle": None,
        "welcomeMessage": "\"'><script>x()</script>",
        "brandColor": "#abcdef",
        "collectPhone": False,
        "requireOtp": False,
    }
    html = form_page("cmp_" + "a" * 20, view, "/campaign-page/v1")
    assert "<b>n</b>" not in html and "&lt;b&gt;n&lt;/b&gt;" in html  # the name stands in for the title
    assert "<script>x()" not in html and "&quot;&#x27;&gt;&lt;script&gt;" in html
    assert 'data-brand="#abcdef"' in html and 'id="phone"' not in html
    hostile = form_page("cmp_" + "a" * 20, view | {"brandColor": '#abcdef" onload="x'}, "/a")
    assert "data-brand" not in hostile and "onload" not in hostile
    closed = state_page("campaign-closed", "/a")
    assert "This campaign is closed" in closed and "<form" not in closed


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"brandColor": "#fff"}, "brandColor"),
        ({"brandColor": "rgb(0,0,0)"}, "brandColor"),
        ({"redirectUrl": "http://example.com"}, "redirectUrl"),
        ({"redirectUrl": "javascript:alert(1)//https://x"}, "redirectUrl"),
        ({"redirectUrl": "https://a:b@example.com"}, "redirectUrl"),
        ({"redirectUrl": "https:///path-only"}, "redirectUrl"),
        ({"redirectUrl": "https://example.com/" + "a" * 2000}, "redirectUrl"),
        ({"requireKyc": True}, "requireKyc"),
        ({"maxSubmissions": 0}, "maxSubmissions"),
        ({"templateId": "tpl_short"}, "templateId"),
    ],
)
def test_the_create_body_refuses_what_the_page_must_never_carry(changes: dict[str, Any], field: str) -> None:
    body = {"templateId": "tpl_" + "a" * 20, "name": "Waiver"} | changes
    with pytest.raises(ValidationError) as refused:
        CampaignCreate.model_validate(body)
    assert [e["loc"][0] for e in refused.value.errors()] == [field]


def test_a_good_create_body_keeps_its_values() -> None:
    body = CampaignCreate.model_validate(
        {
            "templateId": "tpl_" + "a" * 20,
            "name": "Waiver",
            "brandColor": "#003271",
            "redirectUrl": "https://x.io/t?a=1",
        }
    )
    assert body.collectPhone is True and body.requireOtp is False and body.redirectUrl == "https://x.io/t?a=1"
