"""Campaigns through the gateway (docs/templates.md#campaigns): the API (list, create, get, PATCH,
delete), the public page /sign/campaign/{id} and the visitor's submission, each visitor signing
their own document from the template.

Refusals prove nothing happened: no document made, the submission count unchanged.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.e2e.test_rate_limits import start_gateway
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)
from tests.e2e.test_templates_api import Templates, templates  # noqa: F401  (templates is a fixture)

pytestmark = pytest.mark.e2e

C = "/api/v1/campaigns"
VISITOR_ROLE = [{"label": "Visitor"}]


def email(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


class Campaigns:
    def __init__(self, flow: Flow, templates: Templates) -> None:
        self.flow, self.templates = flow, templates
        self.public = Api(flow.http, flow.system.gateway_url, None)  # a visitor: no API key

    async def template(self) -> str:
        """A template each visitor can fill: one signer role, a signature and an optional text."""
        return await self.templates.ready(
            roles=VISITOR_ROLE, fields=[signature(0), box("text", 0, 150, label="Note", required=False)]
        )

    async def create(self, template_id: str | None = None, api: Api | None = None, **body: Any) -> dict[str, Any]:
        body = {"templateId": template_id or await self.template(), "name": "Visitor waiver", **body}
        return (await self.flow.call(api or self.flow.api, "POST", C, 201, json=body))["data"]

    async def get(self, campaign_id: str) -> dict[str, Any]:
        return (await self.flow.call(self.flow.api, "GET", C + "/{id}", 200, id=campaign_id))["data"]

    async def submit(
        self,
        campaign_id: str,
        expected: int | tuple[int, ...] = 200,
        api: Api | None = None,
        headers: dict[str, str] | None = None,
        **visitor: Any,
    ) -> dict[str, Any]:
        return await self.flow.call(
            api or self.public, "POST", C + "/{id}/submissions", expected, id=campaign_id, json=visitor, headers=headers
        )

    async def documents_of(self, campaign_id: str) -> list[str]:
        rows = await self.flow.db.fetch(
            "SELECT id FROM documents.documents WHERE campaign_id = $1 ORDER BY created_at, id", campaign_id
        )
        return [r["id"] for r in rows]

    async def page(self, campaign_id: str) -> tuple[int, str, Any]:
        async with self.flow.http.get(f"{self.flow.system.gateway_url}/sign/campaign/{campaign_id}") as resp:
            return resp.status, await resp.text(), resp.headers

    async def sign(self, signing_url: str, name: str) -> dict[str, Any]:
        """As the signing page does: read the session, then sign the visitor's signature field."""
        token = signing_url.rsplit("/", 1)[1]
        session = (await self.flow.as_signer("GET", "", 200, token))["data"]
        field = next(f for f in session["fields"] if f["type"] == "signature")
        body = {"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": name}}]}
        return (await self.flow.as_signer("POST", "/sign", 200, token, json=body))["data"]


@pytest.fixture
def campaigns(flow: Flow, templates: Templates) -> Campaigns:  # noqa: F811
    return Campaigns(flow, templates)


def visitor(name: str, phone: str | None = "+15550100") -> dict[str, Any]:
    person: dict[str, Any] = {"name": name, "email": email(name.split()[0].lower())}
    if phone is not None:
        person["phone"] = phone
    return person


async def test_a_campaign_link_signed_by_three_visitors_makes_three_completed_documents(
    campaigns: Campaigns, flow: Flow
) -> None:
    template_id = await campaigns.template()
    campaign = await campaigns.create(
        template_id,
        welcomeTitle="Welcome aboard",
        welcomeMessage="Please sign our waiver.",
        maxSubmissions=10,
        brandColor="#003271",
        redirectUrl="https://example.com/thanks",
    )
    assert campaign["id"].startswith("cmp_") and re.fullmatch(r"visitor-waiver-[0-9a-f]{8}", campaign["slug"])
    assert campaign["status"] == "active" and campaign["submissionCount"] == 0 and campaign["collectPhone"] is True
    assert campaign["url"] == f"{flow.system.settings.public_url}/sign/campaign/{campaign['id']}"

    status, html, headers = await campaigns.page(campaign["id"])
    assert status == 200 and "Welcome aboard" in html and "Please sign our waiver." in html
    assert 'data-brand="#003271"' in html and 'id="visitor"' in html and 'id="phone"' in html
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["Cache-Control"] == "no-store"

    visitors = [visitor("Ann Able"), visitor("Ben Baker"), visitor("Cat Cole")]
    made = []
    for person in visitors:
        answer = (await campaigns.submit(campaign["id"], **person))["data"]
        assert answer["existing"] is False
        assert answer["signingUrl"].startswith(flow.system.settings.public_url + "/sign/")
        token = answer["signingUrl"].rsplit("/", 1)[1]
        session = (await flow.as_signer("GET", "", 200, token))["data"]
        assert session["signer"]["email"] == person["email"] and session["signer"]["name"] == person["name"]
        assert session["redirectUrl"] == "https://example.com/thanks" and session["otpRequired"] is False
        outcome = await campaigns.sign(answer["signingUrl"], person["name"])
        assert outcome["status"] == "completed" and outcome["finalizing"] is True
        made.append(session["documentId"])

    assert sorted(made) == sorted(await campaigns.documents_of(campaign["id"]))
    for doc_id, person in zip(made, visitors, strict=True):
        document = await flow.complete(doc_id)
        assert document["status"] == "completed" and document["campaignId"] == campaign["id"]
        assert document["templateId"] == template_id
        assert [(s["email"], s["status"]) for s in document["signers"]] == [(person["email"], "completed")]
        phone = await flow.db.fetchval("SELECT phone FROM documents.signers WHERE document_id = $1", doc_id)
        assert phone == person["phone"]
        assert "document.created" in await flow.event_types(doc_id)

    assert (await campaigns.get(campaign["id"]))["submissionCount"] == 3
    listed = await flow.call(flow.api, "GET", C, 200, params={"status": "active", "search": "WAIVER"})
    assert [c["id"] for c in listed["data"]] == [campaign["id"]]
    assert listed["meta"] == {"count": 1, "hasMore": False, "nextCursor": None}
    assert (await flow.call(flow.api, "GET", C, 200, params={"status": "paused"}))["data"] == []
    org = await flow.call(flow.api, "GET", "/api/v1/org", 200)
    assert org["data"]["_count"]["campaigns"] == 1


async def test_the_same_email_gets_its_unsigned_document_back(campaigns: Campaigns) -> None:
    campaign = await campaigns.create(collectPhone=False)
    person = visitor("Dee Dunn", phone=None)
    first = (await campaigns.submit(campaign["id"], **person))["data"]
    again = (await campaigns.submit(campaign["id"], name="Someone Else", email=person["email"].upper()))["data"]
    assert again == {"signingUrl": first["signingUrl"], "existing": True}
    assert len(await campaigns.documents_of(campaign["id"])) == 1
    assert (await campaigns.get(campaign["id"]))["submissionCount"] == 1

    await campaigns.sign(first["signingUrl"], person["name"])
    # Signed: the same address now starts a new document.
    later = (await campaigns.submit(campaign["id"], **person))["data"]
    assert later["existing"] is False and later["signingUrl"] != first["signingUrl"]
    assert len(await campaigns.documents_of(campaign["id"])) == 2


async def test_the_visitors_form_is_checked_and_nothing_is_made_from_a_bad_one(campaigns: Campaigns) -> None:
    campaign = await campaigns.create()  # collectPhone defaults to true
    no_phone = await campaigns.submit(campaign["id"], 422, **visitor("Eve Ellis", phone=None))
    assert [e["field"] for e in no_phone["errors"]] == ["phone"]
    bad = await campaigns.submit(campaign["id"], 422, name="", email="not-an-email", phone="+15550100")
    assert {e["field"] for e in bad["errors"]} == {"name", "email"}
    extra = await campaigns.submit(campaign["id"], 422, **visitor("Fay Ford"), templateId="tpl_" + "a" * 20)
    assert extra["errors"][0]["field"] == "templateId"
    without_phone = await campaigns.create(collectPhone=False)
    refused = await campaigns.submit(without_phone["id"], 422, **visitor("Gus Gray"))
    assert refused["errors"] == [{"field": "phone", "message": "This campaign does not collect phone numbers"}]
    for made in (campaign, without_phone):
        assert await campaigns.documents_of(made["id"]) == []
        assert (await campaigns.get(made["id"]))["submissionCount"] == 0


async def test_max_submissions_is_exact_when_two_visitors_race_for_the_last_place(campaigns: Campaigns) -> None:
    campaign = await campaigns.create(maxSubmissions=2, collectPhone=False)
    await campaigns.submit(campaign["id"], **visitor("Hal Hill", phone=None))
    racing = await asyncio.gather(
        *(campaigns.submit(campaign["id"], (200, 409), **visitor(name, phone=None)) for name in ("Ida Ivy", "Jo Jay"))
    )
    won = [r for r in racing if "data" in r]
    lost = [r for r in racing if "data" not in r]
    assert len(won) == 1 and len(lost) == 1 and lost[0]["type"].endswith("/campaign-full")
    assert len(await campaigns.documents_of(campaign["id"])) == 2
    assert (await campaigns.get(campaign["id"]))["submissionCount"] == 2
    status, html, _ = await campaigns.page(campaign["id"])
    assert status == 409 and "This campaign is full" in html and 'id="visitor"' not in html
    # A visitor who already holds a place still gets it back.
    holder = await campaigns.flow.db.fetchval(
        "SELECT s.email FROM documents.signers s JOIN documents.documents d ON d.id = s.document_id "
        "WHERE d.campaign_id = $1 ORDER BY d.created_at LIMIT 1",
        campaign["id"],
    )
    back = await campaigns.submit(campaign["id"], name="Hal Hill", email=holder)
    assert back["data"]["existing"] is True and len(await campaigns.documents_of(campaign["id"])) == 2


async def test_paused_closed_and_expired_campaigns_refuse_visitors_with_a_clear_page(
    campaigns: Campaigns, flow: Flow
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    campaign = await campaigns.create(collectPhone=False, expiresAt=soon)
    person = visitor("Kim King", phone=None)
    for status, code, page_status, words in (
        ("paused", "campaign-paused", 409, "This campaign is paused"),
        ("closed", "campaign-closed", 410, "This campaign is closed"),
    ):
        changed = await flow.call(flow.api, "PATCH", C + "/{id}", 200, id=campaign["id"], json={"status": status})
        assert changed["data"]["status"] == status
        refused = await campaigns.submit(campaign["id"], 409, **person)
        assert refused["type"].endswith("/" + code)
        seen, html, _ = await campaigns.page(campaign["id"])
        assert seen == page_status and words in html and 'id="visitor"' not in html
    await flow.call(flow.api, "PATCH", C + "/{id}", 200, id=campaign["id"], json={"status": "active"})
    # Its closing date passes (the clock moved on: the stored date is set in the past).
    await flow.db.execute(
        "UPDATE documents.campaigns SET expires_at = now() - interval '1 second' WHERE id = $1", campaign["id"]
    )
    refused = await campaigns.submit(campaign["id"], 409, **person)
    assert refused["type"].endswith("/campaign-expired")
    seen, html, _ = await campaigns.page(campaign["id"])
    assert seen == 410 and "This campaign has ended" in html
    assert await campaigns.documents_of(campaign["id"]) == []
    assert (await campaigns.get(campaign["id"]))["submissionCount"] == 0

    await flow.call(flow.api, "DELETE", C + "/{id}", 204, id=campaign["id"])
    gone = await campaigns.submit(campaign["id"], 404, **person)
    assert gone["detail"] == "Campaign not found"
    seen, html, _ = await campaigns.page(campaign["id"])
    assert seen == 404 and "This link is not valid" in html
    await flow.call(flow.api, "GET", C + "/{id}", 404, id=campaign["id"])


async def test_welcome_texts_are_escaped_and_the_colour_is_only_a_hex_colour(campaigns: Campaigns, flow: Flow) -> None:
    hostile_title = '<script>alert("t")</script>'
    hostile_message = '"><img src=x onerror=alert(1)>\nSecond line & more'
    campaign = await campaigns.create(welcomeTitle=hostile_title, welcomeMessage=hostile_message, brandColor="#A1b2C3")
    status, html, headers = await campaigns.page(campaign["id"])
    assert status == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\nSecond line &amp; more" in html
    assert 'data-brand="#A1b2C3"' in html and "style=" not in html
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "style-src 'self'" in csp and "form-action 'none'" in csp
    # The API gives the texts back as they were written.
    stored = await campaigns.get(campaign["id"])
    assert stored["welcomeTitle"] == hostile_title and stored["welcomeMessage"] == hostile_message

    template_id = campaign["templateId"]
    for body, field in (
        ({"brandColor": "red; background: url(https://evil.example)"}, "brandColor"),
        ({"brandColor": "#12345"}, "brandColor"),
        ({"redirectUrl": "http://example.com/thanks"}, "redirectUrl"),
        ({"redirectUrl": "javascript:alert(1)"}, "redirectUrl"),
        ({"redirectUrl": "https://user:pw@example.com/"}, "redirectUrl"),
        ({"requireKyc": True}, "requireKyc"),
        ({"welcomeTitle": "x" * 201}, "welcomeTitle"),
        ({"maxSubmissions": 0}, "maxSubmissions"),
    ):
        refused = await flow.call(flow.api, "POST", C, 422, json={"templateId": template_id, "name": "Refused", **body})
        assert [e["field"] for e in refused["errors"]] == [field], body
        patched = await flow.call(flow.api, "PATCH", C + "/{id}", (422,), id=campaign["id"], json=body)
        assert patched["errors"][0]["field"] == field
    assert (await campaigns.get(campaign["id"]))["brandColor"] == "#A1b2C3"
    listed = await flow.call(flow.api, "GET", C, 200)
    assert [c["id"] for c in listed["data"]] == [campaign["id"]]


async def test_a_campaign_needs_a_template_of_one_signer_role(campaigns: Campaigns, flow: Flow) -> None:
    two_roles = await campaigns.templates.ready()  # Party A and Party B
    refused = await flow.call(flow.api, "POST", C, 409, json={"templateId": two_roles, "name": "Two parties"})
    assert refused["type"].endswith("/campaign-template-unsuitable")
    unknown = await flow.call(flow.api, "POST", C, 422, json={"templateId": "tpl_" + "0" * 20, "name": "None"})
    assert unknown["errors"] == [{"field": "templateId", "message": "No such template in your organisation"}]
    no_file = (await campaigns.templates.create())["id"]
    missing = await flow.call(flow.api, "POST", C, 409, json={"templateId": no_file, "name": "No file"})
    assert missing["type"].endswith("/template-file-missing")
    assert (await flow.call(flow.api, "GET", C, 200))["data"] == []


async def test_a_campaign_with_require_otp_asks_its_visitors_for_the_code(campaigns: Campaigns, flow: Flow) -> None:
    campaign = await campaigns.create(requireOtp=True, collectPhone=False)
    status, html, _ = await campaigns.page(campaign["id"])
    assert status == 200 and "a code sent to this email address" in html
    answer = (await campaigns.submit(campaign["id"], **visitor("Lee Lane", phone=None)))["data"]
    token = answer["signingUrl"].rsplit("/", 1)[1]
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["otpRequired"] is True and session["otpVerified"] is False
    field = next(f for f in session["fields"] if f["type"] == "signature")
    body = {"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": "Lee Lane"}}]}
    refused = await flow.as_signer("POST", "/sign", 403, token, json=body)
    assert refused["type"].endswith("/otp-required")
    document = await flow.document(session["documentId"])
    assert document["status"] == "pending" and document["signers"][0]["status"] != "completed"


async def test_another_organisations_campaign_is_404_and_scopes_are_checked(
    campaigns: Campaigns, flow: Flow, make_api: Any
) -> None:
    campaign = await campaigns.create(name="Ours")
    other = await make_api()
    for method, body in (("GET", None), ("PATCH", {"name": "Theirs"}), ("DELETE", None)):
        refused = await flow.call(other, method, C + "/{id}", 404, id=campaign["id"], json=body)
        assert refused["detail"] == "Campaign not found"
    assert (await flow.call(other, "GET", C, 200))["data"] == []
    # Their own key cannot build a campaign on our template either.
    foreign = await flow.call(other, "POST", C, 422, json={"templateId": campaign["templateId"], "name": "Theirs"})
    assert foreign["errors"][0]["field"] == "templateId"
    assert (await campaigns.get(campaign["id"]))["name"] == "Ours"

    readonly = await make_api(scopes=["campaigns.read"], org=None)
    denied = await flow.call(readonly, "POST", C, 403, json={"templateId": campaign["templateId"], "name": "No"})
    assert "campaigns.create" in denied["detail"]
    documents_only = await make_api(scopes=["documents.*", "templates.*"])
    for method, path, scope in (
        ("GET", C, "campaigns.read"),
        ("GET", C + "/{id}", "campaigns.read"),
        ("PATCH", C + "/{id}", "campaigns.update"),
        ("DELETE", C + "/{id}", "campaigns.delete"),
    ):
        body = {"name": "Changed"} if method == "PATCH" else None
        denied = await flow.call(documents_only, method, path, 403, id=campaign["id"], json=body)
        assert scope in denied["detail"]
    ours = await campaigns.get(campaign["id"])
    assert ours["name"] == "Ours" and ours["status"] == "active"
    assert len((await flow.call(flow.api, "GET", C, 200))["data"]) == 1


async def test_submissions_are_budgeted_per_address_and_per_email(campaigns: Campaigns, flow: Flow) -> None:
    replica = await start_gateway(
        flow.system,
        campaign_submit_limit_per_ip_per_hour=2,
        campaign_submit_limit_per_email_per_hour=2,
        trusted_proxies=["127.0.0.1/32"],
        db_pool_max=2,
    )
    try:
        campaign = await campaigns.create(collectPhone=False)
        client = Api(flow.http, replica.url, None)
        tail = datetime.now().microsecond % 250 + 1
        first, second, third = (f"203.0.113.{tail}", f"198.51.100.{tail}", f"192.0.2.{tail}")
        await flow.db.execute(
            "DELETE FROM gateway.rate_limits WHERE bucket = ANY($1)",
            [f"campaign-ip:{a}" for a in (first, second, third)],
        )

        # Per address: two attempts, then 429 before anything is forwarded.
        for name in ("Max Moss", "Ned Noon"):
            await campaigns.submit(
                campaign["id"], api=client, headers={"X-Forwarded-For": first}, **visitor(name, None)
            )
        over = await flow.call(
            client,
            "POST",
            C + "/{id}/submissions",
            429,
            id=campaign["id"],
            json=visitor("Oli Oak", None),
            headers={"X-Forwarded-For": first},
        )
        assert over["type"].endswith("/rate-limited") and "address" in over["detail"]
        assert len(await campaigns.documents_of(campaign["id"])) == 2

        # Per email (any case), whatever the address: the third attempt is refused.
        person = visitor("Pat Pine", None)
        await campaigns.submit(campaign["id"], api=client, headers={"X-Forwarded-For": second}, **person)
        upper = person | {"email": person["email"].upper()}
        again = await campaigns.submit(campaign["id"], api=client, headers={"X-Forwarded-For": third}, **upper)
        assert again["data"]["existing"] is True
        refused = await flow.call(
            client,
            "POST",
            C + "/{id}/submissions",
            429,
            id=campaign["id"],
            json=person,
            headers={"X-Forwarded-For": third},
        )
        assert "email address" in refused["detail"]
        assert len(await campaigns.documents_of(campaign["id"])) == 3
        assert (await campaigns.get(campaign["id"]))["submissionCount"] == 3
    finally:
        await replica.runner.cleanup()
