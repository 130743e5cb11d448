"""SMTP failures end to end, with a system of its own whose mail goes to a scripted SMTP server:
a deferred (451) invitation is retried and delivered; a refused (550) one puts the document on
hold (action_required) until the sender fixes the signer's address, which re-invites them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.gateway import credentials
from shared.db import create_pool
from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.test_emails import SIGN_LINK, text
from tests.e2e.test_signing_flow import D, Flow, signature
from tests.email_peers import DEFERRED, ScriptedSmtp, eventually, own_settings
from tests.harness import System, reset_infrastructure, start_system
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smtp() -> Iterator[ScriptedSmtp]:
    server = ScriptedSmtp().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def own_system(settings: Settings, smtp: ScriptedSmtp) -> AsyncIterator[System]:
    # Fast retries; a hold recheck far longer than any wait here, so only a resume brings it forward.
    own = own_settings(
        settings,
        "mail_fail",
        smtp_port=smtp.port,
        email_retry_schedule=[0.2],
        email_max_attempts=50,
        email_poll_seconds=0.2,
        email_hold_seconds=600,
    )
    await reset_infrastructure(own)
    system = await start_system(own)
    yield system
    await system.stop()


@pytest.fixture(scope="module")
async def own_db(own_system: System) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(own_system.settings, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def flow(conformance: Conformance, own_system: System, own_db: asyncpg.Pool, http: aiohttp.ClientSession) -> Flow:
    async with own_db.acquire() as conn:
        created = await credentials.create_insigner_key(conn, f"Bounce Org {uuid.uuid4().hex[:8]}", ["*"], "test key")
    api = Api(http, own_system.gateway_url, created.api_key, created.org_id)
    return Flow(Driver(conformance), api, own_system, http, own_db)


def address(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


async def invited_token(smtp: ScriptedSmtp, to: str) -> str:
    message = await smtp.wait_for(lambda m: to in str(m["To"]) and "sent you" in str(m["Subject"]))
    return SIGN_LINK.findall(text(message))[0]


async def document_in(flow: Flow, doc_id: str, status: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        document = await flow.document(doc_id)
        return document if document["status"] == status else None

    return await eventually(check, f"the document to be {status}")


async def sender_email(flow: Flow) -> str:
    return await flow.db.fetchval(
        "SELECT m.email FROM gateway.api_keys k JOIN gateway.members m ON m.id = k.member_id WHERE k.org_id = $1",
        flow.api.org_id,
    )


async def test_a_deferred_invitation_is_retried_and_delivered_once(flow: Flow, smtp: ScriptedSmtp) -> None:
    slow = address("slow")
    smtp.defer(slow, 2)
    doc_id, _ = await flow.draft(signers=[{"email": slow, "name": "Slow Server"}], fields=[signature(0)])
    await flow.send(doc_id)
    token = await invited_token(smtp, slow)
    assert smtp.attempts(slow) == [DEFERRED, DEFERRED, "250 OK"]
    assert len(smtp.to(slow)) == 1
    assert (await flow.as_signer("GET", "", 200, token))["data"]["signer"]["email"] == slow
    row = await flow.db.fetchrow("SELECT status, attempts FROM notifier.emails WHERE recipient = $1", slow)
    assert (row["status"], row["attempts"]) == ("sent", 3)


async def test_a_refused_address_holds_the_document_until_the_sender_fixes_it(flow: Flow, smtp: ScriptedSmtp) -> None:
    good, bad, fixed = address("good"), address("typo"), address("fixed")
    smtp.refuse(bad)
    doc_id, ids = await flow.draft(
        name="Partnership",
        signingType="parallel",
        signers=[{"email": good, "name": "Good", "order": 0}, {"email": bad, "name": "Typo", "order": 1}],
        fields=[signature(0), signature(1, y=500)],
    )
    await flow.send(doc_id)
    good_token = await invited_token(smtp, good)

    held = await document_in(flow, doc_id, "action_required")
    assert {s["email"]: s["status"] for s in held["signers"]} == {good: "pending", bad: "delivery_failed"}
    on_hold = await flow.as_signer("GET", "", 409, good_token)
    assert on_hold["type"].endswith("/document-on-hold")
    [reported] = await flow.db.fetch(
        "SELECT body FROM notifier.outbox WHERE event_type = 'signer.delivery_failed' AND body->>'documentId' = $1",
        doc_id,
    )
    assert reported["body"]["data"]["email"] == bad and reported["body"]["data"]["reason"].startswith("550")
    updated = [
        e["data"]
        for e in await flow.events(doc_id)
        if e["type"] == "document.updated" and "status" in e["data"]["changes"]
    ]
    assert updated == [{"name": "Partnership", "changes": ["status"], "status": "action_required"}]
    to_sender = await smtp.wait_for(lambda m: "Action required" in str(m["Subject"]) and bad in str(m["Subject"]))
    assert str(to_sender["To"]).endswith(f"<{await sender_email(flow)}>")
    assert f"/api/v1/documents/{doc_id}/signers/{ids[bad]}" in text(to_sender)

    # Only the failed signer's address (and name) may change while the document is on hold.
    patch = D + "/{id}/signers/{signerId}"
    await flow.call(flow.api, "PATCH", patch, 409, id=doc_id, signerId=ids[good], json={"email": address("other")})
    await flow.call(flow.api, "PATCH", patch, 409, id=doc_id, signerId=ids[bad], json={"email": fixed, "order": 3})
    await flow.call(flow.api, "PATCH", patch, 422, id=doc_id, signerId=ids[bad], json={"name": "Still Typo"})
    body = await flow.call(flow.api, "PATCH", patch, 200, id=doc_id, signerId=ids[bad], json={"email": fixed})
    assert body["data"]["email"] == fixed and body["data"]["status"] == "pending"

    resumed = await document_in(flow, doc_id, "pending")
    assert {s["email"]: s["status"] for s in resumed["signers"]} == {good: "pending", fixed: "pending"}
    fixed_token = await invited_token(smtp, fixed)
    assert (await flow.as_signer("GET", "", 200, fixed_token))["data"]["isTurn"] is True
    assert (await flow.as_signer("GET", "", 200, good_token))["data"]["signer"]["email"] == good
    events = await flow.events(doc_id)
    assert [e["data"]["signer"]["email"] for e in events if e["type"] == "signer.invited"] == [good, bad, fixed]
    assert [
        e["data"]["status"] for e in events if e["type"] == "document.updated" and "status" in e["data"]["changes"]
    ] == ["action_required", "pending"]


async def test_with_two_bounces_the_document_resumes_when_both_are_fixed(flow: Flow, smtp: ScriptedSmtp) -> None:
    one, two = address("one"), address("two")
    smtp.refuse(one)
    smtp.refuse(two)
    doc_id, ids = await flow.draft(
        signingType="parallel",
        signers=[{"email": one, "name": "One", "order": 0}, {"email": two, "name": "Two", "order": 1}],
        fields=[signature(0), signature(1, y=500)],
    )
    await flow.send(doc_id)

    # Whichever invitation bounces first puts the document on hold. The other one either bounced
    # too (it was out before the hold) or waits, held, and goes out (and bounces) once the first
    # signer is fixed: which of the two happens depends on the send worker's passes, not on us.
    async def failed(*emails: str) -> bool:
        document = await flow.document(doc_id)
        statuses = {s["email"]: s["status"] for s in document["signers"]}
        return document["status"] == "action_required" and all(statuses[e] == "delivery_failed" for e in emails)

    async def first_bounce() -> str | None:
        for email in (one, two):
            if await failed(email):
                return email
        return None

    first = await eventually(first_bounce, "a signer to be marked")
    other = two if first == one else one
    fixed = {one: address("one-fixed"), two: address("two-fixed")}
    patch = D + "/{id}/signers/{signerId}"
    await flow.call(flow.api, "PATCH", patch, 200, id=doc_id, signerId=ids[first], json={"email": fixed[first]})
    # The other address still bounces: the document is (or soon is again) on hold for it.
    await eventually(lambda: failed(other), "the other signer to be marked")
    await flow.call(flow.api, "PATCH", patch, 200, id=doc_id, signerId=ids[other], json={"email": fixed[other]})
    assert (await flow.document(doc_id))["status"] == "pending"
    for new in fixed.values():
        token = await invited_token(smtp, new)
        assert (await flow.as_signer("GET", "", 200, token))["data"]["signer"]["email"] == new


async def test_an_invitation_that_found_the_document_on_hold_goes_out_when_it_resumes(
    flow: Flow, smtp: ScriptedSmtp
) -> None:
    good, bad, fixed = address("patient"), address("typo"), address("fixed")
    smtp.defer(good, 10_000)  # keep the good signer's invitation waiting until the document is on hold
    smtp.refuse(bad)
    doc_id, ids = await flow.draft(
        signingType="parallel",
        signers=[{"email": good, "name": "Patient", "order": 0}, {"email": bad, "name": "Typo", "order": 1}],
        fields=[signature(0), signature(1, y=500)],
    )
    await flow.send(doc_id)
    await document_in(flow, doc_id, "action_required")

    async def held() -> asyncpg.Record | None:
        row = await flow.db.fetchrow(
            "SELECT status, attempts, last_error FROM notifier.emails WHERE recipient = $1", good
        )
        return row if row["last_error"] == "409 document-action_required" else None

    row = await eventually(held, "the invitation to be held")
    assert row["status"] == "queued"  # waiting, neither sent nor dead-lettered
    smtp.defer(good, 0)
    await flow.call(
        flow.api, "PATCH", D + "/{id}/signers/{signerId}", 200, id=doc_id, signerId=ids[bad], json={"email": fixed}
    )
    # The hold's recheck is 10 minutes away: the resume itself brought the invitation forward.
    token = await invited_token(smtp, good)
    assert (await flow.as_signer("GET", "", 200, token))["data"]["isTurn"] is True
    await invited_token(smtp, fixed)
    assert len(smtp.to(good)) == 1
