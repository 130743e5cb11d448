"""Lifecycle emails end to end: the whole system, a real SMTP sink (the `mailbox` fixture).

Each test uses addresses of its own, sends a document through the API and reads what arrived:
recipients, subject, From / Reply-To / Message-ID, both parts, and the links — which are
followed through the signing API to prove they work (the invitation's link signs; the
completion email's link downloads the signed PDF).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import asyncpg
import pytest

from services.documents.workers.sweeps import run_expiry_pass
from services.notifier.emails.headers import MailFrom
from services.notifier.emails.render import when
from tests.e2e.test_signing_flow import D, Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

S = "/api/v1/signing/{token}"
SIGN_LINK = re.compile(r"https?://[^\s\"<>]+/sign/([A-Za-z0-9_-]{43})")
COPY_LINK = re.compile(r"https?://[^\s\"<>]+/api/v1/signing/([A-Za-z0-9_-]{43})/download")


def text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def to(address: str, subject_part: str = "") -> Callable[[EmailMessage], bool]:
    return lambda m: address.lower() in str(m.get("To", "")).lower() and subject_part in str(m.get("Subject", ""))


def addresses(*names: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {name: f"{name}.{tag}@example.com" for name in names}


async def sender_of(db: asyncpg.Pool, org_id: str) -> asyncpg.Record:
    """The API key's member and organisation, as the gateway names them."""
    return await db.fetchrow(
        """SELECT m.name, m.email, o.name AS org FROM gateway.api_keys k
           JOIN gateway.members m ON m.id = k.member_id JOIN gateway.organizations o ON o.id = k.org_id
           WHERE k.org_id = $1 LIMIT 1""",
        org_id,
    )


def sign_body(field_id: str, name: str) -> dict[str, object]:
    return {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": name}}]}


async def emails_of(db: asyncpg.Pool, doc_id: str, event_type: str) -> list[str]:
    rows = await db.fetch(
        "SELECT recipient FROM notifier.emails WHERE document_id = $1 AND event_type = $2 ORDER BY recipient",
        doc_id,
        event_type,
    )
    return [r["recipient"] for r in rows]


async def test_invitation_link_signs_and_completion_gives_everyone_a_copy(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("alice", "bob", "vic")
    sender = await sender_of(flow.db, flow.api.org_id or "")
    expires = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    doc_id, ids = await flow.draft(
        name="Master Services Agreement",
        signingType="parallel",
        message="Section 4 changed: please review.",
        emailSubject="Your MSA is ready",
        emailMessage="Hi, here is the agreement we discussed.",
        expiresAt=expires.isoformat().replace("+00:00", "Z"),
        signers=[
            {"email": who["alice"], "name": "Alice Example", "order": 0},
            {"email": who["bob"], "name": "Bob Builder", "order": 1},
            {"email": who["vic"], "name": "Vic Viewer", "role": "viewer", "order": 2},
        ],
        fields=[signature(0), signature(1, y=500)],
    )
    fields = {f["assignedTo"]: f["id"] for f in await flow.field_ids(doc_id)}
    await flow.send(doc_id)

    invitation = await mailbox.wait_for(to(who["alice"], "Your MSA is ready"))
    mail_from = MailFrom.parse(flow.system.settings.mail_from)
    [from_address] = invitation["From"].addresses
    assert (
        from_address.addr_spec == mail_from.email
        and from_address.display_name == f"{sender['name']} via {mail_from.name}"
    )
    assert invitation["Reply-To"].addresses[0].addr_spec == sender["email"]
    assert invitation["Message-ID"].endswith(f"@{mail_from.domain}>") and invitation["Date"]
    assert invitation.get_content_type() == "multipart/alternative"
    for part in (text(invitation), html(invitation)):
        assert sender["org"] in part and "Master Services Agreement" in part
        assert "Section 4 changed: please review." in part and "Hi, here is the agreement we discussed." in part
        assert when(expires) in part
    [token] = SIGN_LINK.findall(text(invitation))
    assert f'href="{flow.system.settings.public_url}/sign/{token}"' in html(invitation)

    # The link in the email is a working signing link.
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["signer"]["email"] == who["alice"] and session["name"] == "Master Services Agreement"
    await flow.as_signer("POST", "/sign", 200, token, json=sign_body(fields[0], "Alice Example"))
    bob = SIGN_LINK.findall(text(await mailbox.wait_for(to(who["bob"], "Your MSA is ready"))))[0]
    await flow.as_signer("POST", "/sign", 200, bob, json=sign_body(fields[1], "Bob Builder"))
    assert mailbox.to(who["vic"]) == []  # viewers are not invited; they get the copy
    await flow.complete(doc_id)

    # Every participant, the viewer included, gets their own link to the signed PDF.
    signed = None
    for name in ("alice", "bob", "vic"):
        done = await mailbox.wait_for(to(who[name], "is complete"))
        assert done["Subject"] == "\u201cMaster Services Agreement\u201d is complete"
        [copy_token] = COPY_LINK.findall(text(done))
        assert copy_token in html(done)
        pdf = await flow.as_signer("GET", "/download", 200, copy_token)
        assert pdf[:5] == b"%PDF-" and (signed is None or pdf == signed)
        signed = pdf
    assert "shared with you" in text(await mailbox.wait_for(to(who["vic"], "is complete")))
    # The sender is pointed at the API download of the document.
    to_sender = await mailbox.wait_for(to(sender["email"], "Master Services Agreement"))
    assert f"{flow.system.settings.public_url}/api/v1/documents/{doc_id}/download" in text(to_sender)
    assert len([m for m in mailbox.to(who["alice"]) if "is complete" in m["Subject"]]) == 1
    assert [e["data"]["sender"] for e in await flow.events(doc_id) if e["type"] == "document.completed"] == [
        {"name": sender["name"], "email": sender["email"], "orgName": sender["org"]}
    ]


async def test_a_signed_copy_is_only_for_completed_documents_and_for_a_limited_time(
    flow: Flow, mailbox: Mailbox
) -> None:
    who = addresses("ann")
    doc_id, ids = await flow.draft(signers=[{"email": who["ann"], "name": "Ann"}], fields=[signature(0)])
    await flow.send(doc_id)
    token = SIGN_LINK.findall(text(await mailbox.wait_for(to(who["ann"]))))[0]
    early = await flow.as_signer("GET", "/download", 409, token)
    assert early["type"].endswith("/document-not-completed")
    field_id = (await flow.field_ids(doc_id))[0]["id"]
    await flow.as_signer("POST", "/sign", 200, token, json=sign_body(field_id, "Ann"))
    await flow.complete(doc_id)
    assert (await flow.as_signer("GET", "/download", 200, token))[:5] == b"%PDF-"  # the signing token keeps working
    assert [e["type"] for e in await flow.events(doc_id)][-1] == "document.downloaded"
    await flow.as_signer("GET", "/download", 404, "A" * 43)
    # Past the retention period the link is gone for good.
    await flow.db.execute(
        "UPDATE documents.documents SET completed_at = now() - interval '31 days' WHERE id = $1", doc_id
    )
    late = await flow.as_signer("GET", "/download", 410, token)
    assert late["type"].endswith("/download-expired")


async def test_reminders_carry_the_signing_link(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("rita")
    doc_id, _ = await flow.draft(name="Lease", signers=[{"email": who["rita"], "name": "Rita"}], fields=[signature(0)])
    await flow.send(doc_id)
    await mailbox.wait_for(to(who["rita"], "sent you"))
    await flow.call(flow.api, "POST", D + "/{id}/remind", 200, id=doc_id)
    reminder = await mailbox.wait_for(to(who["rita"], "Reminder:"))
    assert reminder["Subject"] == "Reminder: \u201cLease\u201d is waiting for you to sign"
    [token] = SIGN_LINK.findall(text(reminder))
    assert (await flow.as_signer("GET", "", 200, token))["data"]["name"] == "Lease"


async def test_the_one_time_code_arrives_by_email_and_verifies(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("otto")
    doc_id, _ = await flow.draft(
        name="Loan", otpMethod="email", signers=[{"email": who["otto"], "name": "Otto"}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    token = SIGN_LINK.findall(text(await mailbox.wait_for(to(who["otto"], "sent you"))))[0]
    await flow.as_signer("POST", "/otp", 202, token)
    message = await mailbox.wait_for(to(who["otto"], "one-time code"))
    code = re.search(r"is: (\d{6})", text(message)).group(1)  # type: ignore[union-attr]
    assert code in html(message) and code not in message["Subject"]
    verified = await flow.as_signer("POST", "/otp/verify", 200, token, json={"code": code})
    assert verified["data"]["verified"] is True


async def test_a_decline_is_told_to_the_sender_and_the_other_signers_with_the_reason(
    flow: Flow, mailbox: Mailbox
) -> None:
    who = addresses("ann", "bob", "cy")
    sender = await sender_of(flow.db, flow.api.org_id or "")
    doc_id, _ = await flow.draft(
        name="Quote",
        signingType="parallel",
        signers=[{"email": who[n], "name": n.title(), "order": i} for i, n in enumerate(("ann", "bob", "cy"))],
        fields=[signature(0), signature(1, y=500), signature(2, y=300)],
    )
    await flow.send(doc_id)
    bob = SIGN_LINK.findall(text(await mailbox.wait_for(to(who["bob"], "sent you"))))[0]
    await flow.as_signer("POST", "/decline", 200, bob, json={"reason": "The price is wrong"})

    for address in (sender["email"], who["ann"], who["cy"]):
        declined = await mailbox.wait_for(to(address, "was declined"))
        assert declined["Subject"] == "\u201cQuote\u201d was declined by Bob"
        assert "The price is wrong" in text(declined) and "The price is wrong" in html(declined)
    assert sorted(await emails_of(flow.db, doc_id, "document.declined")) == sorted(
        [sender["email"], who["ann"], who["cy"]]
    )
    assert not [m for m in mailbox.to(who["bob"]) if "declined" in m["Subject"]]


async def test_a_cancellation_reaches_only_those_who_had_been_invited(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("first", "later")
    doc_id, _ = await flow.draft(
        name="Board minutes",
        signingType="sequential",
        signers=[
            {"email": who["first"], "name": "First", "order": 0},
            {"email": who["later"], "name": "Later", "order": 1},
        ],
        fields=[signature(0), signature(1, y=500)],
    )
    await flow.send(doc_id)
    await mailbox.wait_for(to(who["first"], "sent you"))
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    cancelled = await mailbox.wait_for(to(who["first"], "was cancelled"))
    assert "no longer works" in text(cancelled)
    assert await emails_of(flow.db, doc_id, "document.cancelled") == [who["first"]]
    assert mailbox.to(who["later"]) == []  # never invited, never told


async def test_an_expiry_is_told_to_the_sender(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("slow")
    sender = await sender_of(flow.db, flow.api.org_id or "")
    doc_id, _ = await flow.draft(
        name="Offer letter",
        expiresAt="2099-01-01T00:00:00Z",
        signers=[{"email": who["slow"], "name": "Slow Poke"}],
        fields=[signature(0)],
    )
    await flow.send(doc_id)
    await flow.db.execute(
        "UPDATE documents.documents SET expires_at = now() - interval '1 minute' WHERE id = $1", doc_id
    )
    await run_expiry_pass(flow.db)
    expired = await mailbox.wait_for(to(sender["email"], "\u201cOffer letter\u201d expired"))
    assert "Slow Poke" in text(expired) and who["slow"] in html(expired)
    assert await emails_of(flow.db, doc_id, "document.expired") == [sender["email"]]


async def test_user_supplied_text_is_escaped_and_cannot_inject_headers(flow: Flow, mailbox: Mailbox) -> None:
    who = addresses("mallory")
    script = "<script>alert(1)</script>"
    evil = f"evil.{uuid.uuid4().hex[:8]}@attacker.test"
    # A line break in a subject is refused at the door (the notifier folds any that got by:
    # tests/unit/test_email_headers.py), and nothing is created.
    status, body, _ = await flow.api.request(
        "POST", "/api/v1/documents", json={"name": "Injected", "emailSubject": f"Please sign\r\nBcc: {evil}"}
    )
    assert status == 422 and body["errors"][0]["field"] == "emailSubject"
    assert (await flow.api.request("GET", "/api/v1/documents"))[1]["data"] == []
    doc_id, _ = await flow.draft(
        name=f"Invoice {script}",
        emailSubject=f"Please sign Bcc: {evil}",
        message=f"<img src=x onerror=alert(2)> {script}",
        signers=[{"email": who["mallory"], "name": script}],
        fields=[signature(0)],
    )
    await flow.send(doc_id)
    message = await mailbox.wait_for(to(who["mallory"]))
    assert message["Subject"] == f"Please sign Bcc: {evil}"
    assert message["Bcc"] is None and mailbox.to(evil) == []
    body = html(message)
    assert "<script>" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x onerror=alert(2)&gt;" in body
    assert script in text(message)  # plain text shows it as written
    assert message["To"].addresses[0].display_name == script and message["To"].addresses[0].addr_spec == who["mallory"]
