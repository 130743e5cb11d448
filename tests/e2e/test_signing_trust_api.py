"""Trust cues and dead ends on the signer-facing API, through the gateway: who sent the document
(the session's `sender`, `sentTo`), the organisation's logo (PUT /api/v1/org/logo, shown on new
documents' pages and emails), and GET …/state, which answers 200 for every link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from email.message import EmailMessage

import aiohttp
import pytest
from PIL import Image, ImageDraw
from prometheus_client import REGISTRY

from tests.conftest import Api
from tests.e2e.signing_browser import invitation_token, unique_email
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.peers import Mailbox
from tests.unit.test_signature_upload import bomb_png, encode

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
ORG = "/api/v1/org"


def logo_form(data: bytes) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename="logo.png", content_type="image/png")
    return body


def a_logo() -> bytes:
    image = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((20, 20, 280, 280), fill=(20, 90, 200, 255))
    return encode(image, "PNG")


async def _sent(flow: Flow, email: str, name: str = "Sally Signer") -> tuple[str, str]:
    doc_id, ids = await flow.draft(signers=[{"email": email, "name": name, "order": 0}], fields=[signature(0)])
    await flow.send(doc_id)
    return doc_id, ids[email]


async def _org_image(flow: Flow) -> str | None:
    return (await flow.call(flow.api, "GET", ORG, 200))["data"]["image"]


def _html(message: EmailMessage) -> str:
    return next(p.get_content() for p in message.walk() if p.get_content_type() == "text/html")


async def test_the_session_names_the_sender_and_where_the_link_was_sent(flow: Flow) -> None:
    email = unique_email("sally")
    _, signer_id = await _sent(flow, email)
    session = (await flow.as_signer("GET", "", 200, await flow.link(signer_id)))["data"]
    org = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", flow.api.org_id)
    assert session["sender"] == {"name": f"{org} Admin", "orgName": org, "logoUrl": None}
    local, domain = email.split("@")
    assert session["sentTo"] == f"s{'*' * (len(local) - 1)}@{domain}"
    assert "admin@" not in str(session)  # the sender's own address is not handed to signers


async def test_a_logo_set_through_the_org_api_shows_on_new_documents_and_their_emails(
    flow: Flow, mailbox: Mailbox
) -> None:
    before_email = unique_email("early")
    _, early_signer = await _sent(flow, before_email)
    answer = (await flow.call(flow.api, "PUT", ORG + "/logo", 200, data=logo_form(a_logo())))["data"]
    digest = answer["sha256"]
    assert answer["image"] == f"{flow.system.settings.public_url}/brand/logos/{digest}.png"
    assert (answer["width"], answer["height"]) == (600, 200)
    assert await _org_image(flow) == answer["image"]
    status, body, resp = await flow.signing.request("GET", f"/brand/logos/{digest}.png")
    assert status == 200 and resp.headers["Content-Type"] == "image/png" and hashlib.sha256(body).hexdigest() == digest

    email = unique_email("later")
    later_id, signer_id = await _sent(flow, email)
    token = await invitation_token(flow, mailbox, email, signer_id)
    sent = [e["data"]["sender"] for e in await flow.events(later_id) if e["type"] == "document.sent"]
    assert sent and sent[0]["logo"] == digest
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["sender"]["logoUrl"] == f"/brand/logos/{digest}.png"
    invitation = await mailbox.wait_for(lambda m: email in str(m.get("To", "")))
    html = _html(invitation)
    assert f'src="{answer["image"]}"' in html
    org = session["sender"]["orgName"]
    assert re.search(rf"{re.escape(org)}</strong> · sent by {re.escape(session['sender']['name'])}", html)
    # A document created before the logo keeps what it was created with: none.
    early = (await flow.as_signer("GET", "", 200, await flow.link(early_signer)))["data"]
    assert early["sender"]["logoUrl"] is None

    await flow.call(flow.api, "DELETE", ORG + "/logo", 204)
    assert await _org_image(flow) is None
    # Kept under its hash for the documents and emails that show it.
    status, _, _ = await flow.signing.request("GET", f"/brand/logos/{digest}.png")
    assert status == 200


def _logo_jobs() -> float:
    """Logo jobs the documents service's sandbox workers answered (the harness runs the services
    in this process, so their counters are this registry's)."""
    value = REGISTRY.get_sample_value("countersign_sandbox_jobs_total", {"kind": "logo", "outcome": "replied"})
    return value or 0.0


async def test_a_bad_logo_or_a_key_without_org_write_changes_nothing(flow: Flow, make_api) -> None:  # type: ignore[no-untyped-def]
    jobs_before = _logo_jobs()
    polyglot = a_logo() + b"<html><script>alert(1)</script></html>"
    problem = await flow.call(flow.api, "PUT", ORG + "/logo", 422, data=logo_form(polyglot))
    assert problem["type"].endswith("/logo-polyglot")
    problem = await flow.call(flow.api, "PUT", ORG + "/logo", 422, data=logo_form(b"GIF89a" + b"\0" * 64))
    assert problem["type"].endswith("/logo-type")
    problem = await flow.call(flow.api, "PUT", ORG + "/logo", 422, data=logo_form(bomb_png()))
    assert problem["type"].endswith("/logo-too-large")
    assert problem["errors"] == [{"field": "file", "message": problem["detail"]}]
    # Judged in the documents service's sandbox workers, one job each, never in the gateway.
    assert _logo_jobs() == jobs_before + 3
    assert await _org_image(flow) is None
    assert await flow.db.fetchval("SELECT count(*) FROM gateway.org_logos WHERE org_id = $1", flow.api.org_id) == 0
    org_name = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", flow.api.org_id)
    reader: Api = await make_api(scopes=["org.read"], org=org_name)
    await flow.call(reader, "PUT", ORG + "/logo", 403, data=logo_form(a_logo()))
    await flow.call(reader, "DELETE", ORG + "/logo", 403)
    assert await _org_image(flow) is None


async def test_unknown_or_missing_logos_are_404(flow: Flow) -> None:
    for path in (f"/brand/logos/{'0' * 64}.png", "/brand/logos/..%2Fetc.png", "/brand/logos/abc.png"):
        status, _, _ = await flow.signing.request("GET", path)
        assert status == 404


async def test_the_link_state_answers_200_for_every_link(flow: Flow) -> None:
    async def state(token: str) -> dict[str, object]:
        return dict((await flow.as_signer("GET", "/state", 200, token))["data"])

    assert await state(secrets.token_urlsafe(32)) == {
        "state": "unknown",
        "download": None,
        "downloadUntil": None,
        "language": None,
    }
    doc_id, signer_id = await _sent(flow, unique_email("stella"))
    token = await flow.link(signer_id)
    events = await flow.event_types(doc_id)
    assert (await state(token))["state"] == "open"
    assert await flow.event_types(doc_id) == events  # reads only: not even "viewed"

    await flow.as_signer(
        "POST",
        "/sign",
        200,
        token,
        json={
            "consent": True,
            "fields": [{"id": (await flow.field_ids(doc_id))[0]["id"], "value": {"type": "typed", "text": "Stella"}}],
        },
    )
    await flow.complete(doc_id)
    ready = await state(token)
    assert ready["state"] == "document-completed" and ready["download"] == "ready" and ready["downloadUntil"]

    # Past SIGNED_COPY_RETENTION_DAYS the download has expired, and the state says so.
    days = flow.system.settings.signed_copy_retention_days
    await flow.db.execute(
        "UPDATE documents.documents SET completed_at = now() - make_interval(days => $2) WHERE id = $1",
        doc_id,
        days + 1,
    )
    expired = await state(token)
    assert expired["state"] == "document-completed" and expired["download"] == "expired"
    problem = await flow.as_signer("GET", "/download", 410, token)
    assert problem["type"].endswith("/download-expired")

    cancelled_id, cancelled_signer = await _sent(flow, unique_email("cato"))
    cancelled_token = await flow.link(cancelled_signer)
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=cancelled_id)
    assert (await state(cancelled_token))["state"] == "document-cancelled"
