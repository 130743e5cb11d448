"""One-time-code limits end to end: codes per day, the lock after wrong codes, and the sender's
unlock by re-sending the link (docs/signing.md, "One-time codes").

A documents replica and a gateway in front of it run with small limits (the rest of the system —
database, broker, notifier, SMTP sink — is the session's), so a handful of requests reach them.
Codes are read from the emails the signer receives.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import BrowserContext, expect

from services.documents.app import create_app as documents_app
from services.gateway.app import create_app as gateway_app
from tests.conftest import Api
from tests.e2e.signing_browser import browser, context, open_page, shoot  # noqa: F401  (browser, context: fixtures)
from tests.e2e.test_signing_flow import Flow, signature
from tests.harness import System, _listening_socket, serve
from tests.peers import Mailbox
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
DAILY_LIMIT = 3
MAX_ATTEMPTS = 3  # per code
LOCK_AFTER = 5  # wrong codes in all: the whole first code and two guesses at the second
CODE_IN_EMAIL = re.compile(r"is: (\d{6})")


@pytest.fixture(scope="module")
async def strict_gateway(system: System) -> AsyncIterator[str]:
    """A documents replica with small code limits (and no pause between codes), and a gateway
    that forwards to it."""
    settings = system.settings.model_copy(
        update={
            "otp_daily_limit": DAILY_LIMIT,
            "otp_max_attempts": MAX_ATTEMPTS,
            "otp_lock_after_failures": LOCK_AFTER,
            "otp_resend_seconds": 0,
        }
    )
    documents = await serve("documents-strict-otp", documents_app(settings), _listening_socket())
    gateway = await serve(
        "gateway-strict-otp",
        gateway_app(settings.model_copy(update={"documents_url": documents.url})),
        _listening_socket(),
    )
    yield gateway.url
    await gateway.runner.cleanup()
    await documents.runner.cleanup()


@pytest.fixture
async def strict(conformance: Conformance, api: Api, system: System, db, strict_gateway: str) -> Flow:  # type: ignore[no-untyped-def]
    flow = Flow(Driver(conformance), Api(api.session, strict_gateway, api.key, api.org_id), system, api.session, db)
    flow.signing = Api(api.session, strict_gateway, None)
    return flow


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def code_emails(mailbox: Mailbox, email: str) -> list[str]:
    return [
        CODE_IN_EMAIL.search(m.get_body(("plain",)).get_content()).group(1)  # type: ignore[union-attr]
        for m in mailbox.to(email)
        if "one-time code" in str(m["Subject"])
    ]


async def nth_code(mailbox: Mailbox, email: str, n: int) -> str:
    """The code of the n-th code email to this address, once it has arrived."""
    for _ in range(150):
        codes = code_emails(mailbox, email)
        if len(codes) >= n:
            return codes[n - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"code email {n} to {email} did not arrive; have {len(code_emails(mailbox, email))}")


async def sent_otp_document(flow: Flow) -> tuple[str, str, str, str]:
    """(document id, signer id, signer email, token) of a sent document that asks for a code."""
    email = f"otto.{uuid.uuid4().hex[:10]}@example.com"
    doc_id, ids = await flow.draft(otpMethod="email", signers=[{"email": email, "name": "Otto"}], fields=[signature(0)])
    await flow.send(doc_id)
    return doc_id, ids[email], email, await flow.link(ids[email])


async def code_state(flow: Flow, signer_id: str) -> tuple:
    row = await flow.db.fetchrow(
        "SELECT otp_nonce, otp_hash, otp_expires_at, otp_attempts, otp_failures, otp_locked_at FROM documents.signers WHERE id = $1",
        signer_id,
    )
    return tuple(row.values())


async def requested(flow: Flow, doc_id: str, event_type: str = "signer.otp_requested") -> list[dict]:
    return [e for e in await flow.events(doc_id) if e["type"] == event_type]


async def test_the_code_past_the_daily_limit_is_not_issued_until_one_frees_up(strict: Flow, mailbox: Mailbox) -> None:
    doc_id, signer_id, email, token = await sent_otp_document(strict)
    for n in range(1, DAILY_LIMIT + 1):
        await strict.as_signer("POST", "/otp", 202, token)
        last_code = await nth_code(mailbox, email, n)
    before = await code_state(strict, signer_id)

    refused = await strict.as_signer("POST", "/otp", 429, token)  # checked against the spec too
    assert refused["type"].endswith("/otp-daily-limit") and str(DAILY_LIMIT) in refused["detail"]
    status, _, resp = await strict.signing.request("POST", f"/api/v1/signing/{token}/otp", json={})
    assert status == 429
    # The first code was issued moments ago: its slot frees up a day after it.
    assert 86_400 - 600 < int(resp.headers["Retry-After"]) <= 86_400

    # Nothing was issued: no event (so no email), and the last code is untouched.
    assert len(await requested(strict, doc_id)) == DAILY_LIMIT
    assert await code_state(strict, signer_id) == before

    # A day later for the oldest code (time passing, in SQL), one more may be sent.
    await strict.db.execute(
        """UPDATE documents.otp_issues SET issued_at = issued_at - interval '1 day'
           WHERE signer_id = $1 AND issued_at = (SELECT min(issued_at) FROM documents.otp_issues WHERE signer_id = $1)""",
        signer_id,
    )
    await strict.as_signer("POST", "/otp", 202, token)
    fresh = await nth_code(mailbox, email, DAILY_LIMIT + 1)
    # Exactly one email per issued code: the two refused requests sent none.
    assert len(code_emails(mailbox, email)) == DAILY_LIMIT + 1
    if fresh != last_code:  # one in a million they coincide
        assert (await strict.as_signer("POST", "/otp/verify", 422, token, json={"code": last_code}))["type"].endswith(
            "/otp-invalid"
        )
    assert (await strict.as_signer("POST", "/otp/verify", 200, token, json={"code": fresh}))["data"]["verified"] is True


async def lock_out(flow: Flow, mailbox: Mailbox, email: str, token: str) -> str:
    """Spend a whole code and then enough of a second one to reach the lock; returns that second
    (still unused) code."""
    await flow.as_signer("POST", "/otp", 202, token)
    first = await nth_code(mailbox, email, 1)
    for _ in range(MAX_ATTEMPTS):
        assert (await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": wrong(first)}))["type"].endswith(
            "/otp-invalid"
        )
    await flow.as_signer("POST", "/otp", 202, token)
    second = await nth_code(mailbox, email, 2)
    for failures in range(MAX_ATTEMPTS + 1, LOCK_AFTER):
        body = await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": wrong(second)})
        # The fewer of the code's attempts and the guesses before the lock.
        assert f"{LOCK_AFTER - failures} attempt(s) left" in body["errors"][0]["message"]
    locked = await flow.as_signer("POST", "/otp/verify", 403, token, json={"code": wrong(second)})
    assert locked["type"].endswith("/otp-locked") and "sender" in locked["detail"]
    return second


async def test_wrong_codes_across_codes_lock_the_signer_even_with_the_right_code(
    strict: Flow, mailbox: Mailbox
) -> None:
    doc_id, signer_id, email, token = await sent_otp_document(strict)
    right = await lock_out(strict, mailbox, email, token)

    refused = await strict.as_signer("POST", "/otp/verify", 403, token, json={"code": right})
    assert refused["type"].endswith("/otp-locked")
    session = (await strict.as_signer("GET", "", 200, token))["data"]
    assert session["otpLocked"] is True and session["otpVerified"] is False
    state = await code_state(strict, signer_id)
    assert (await strict.as_signer("POST", "/otp", 403, token))["type"].endswith("/otp-locked")
    field_id = (await strict.field_ids(doc_id))[0]["id"]
    sign = {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": "Otto"}}]}
    assert (await strict.as_signer("POST", "/sign", 403, token, json=sign))["type"].endswith("/otp-locked")

    # No code was issued or accepted while locked; the lock is recorded once, by the signer.
    assert await code_state(strict, signer_id) == state
    assert len(await requested(strict, doc_id)) == 2
    assert len(code_emails(mailbox, email)) == 2
    [locked] = await requested(strict, doc_id, "signer.otp_locked")
    assert locked["actor"]["type"] == "signer" and locked["data"]["failures"] == LOCK_AFTER
    assert await strict.db.fetchval("SELECT status FROM documents.signers WHERE id = $1", signer_id) == "pending"


async def test_a_reminder_from_the_sender_unlocks_and_the_signer_can_sign(strict: Flow, mailbox: Mailbox) -> None:
    doc_id, signer_id, email, token = await sent_otp_document(strict)
    await lock_out(strict, mailbox, email, token)

    reminded = await strict.call(strict.api, "POST", D + "/{id}/remind", 200, id=doc_id)
    assert reminded["data"]["remindedSigners"] == 1
    [unlocked] = await requested(strict, doc_id, "signer.otp_unlocked")
    assert unlocked["actor"]["type"] == "api_key" and unlocked["data"]["signer"]["id"] == signer_id
    assert (await strict.as_signer("GET", "", 200, token))["data"]["otpLocked"] is False
    assert (await code_state(strict, signer_id))[4:] == (0, None)  # failures start over
    # Another reminder finds nobody locked: no further unlock is recorded.
    await strict.call(strict.api, "POST", D + "/{id}/remind", 200, id=doc_id)
    assert len(await requested(strict, doc_id, "signer.otp_unlocked")) == 1

    await strict.as_signer("POST", "/otp", 202, token)
    code = await nth_code(mailbox, email, 3)
    await strict.as_signer("POST", "/otp/verify", 200, token, json={"code": code})
    field_id = (await strict.field_ids(doc_id))[0]["id"]
    await strict.as_signer(
        "POST",
        "/sign",
        200,
        token,
        json={"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": "Otto"}}]},
    )


async def test_a_fresh_signing_link_unlocks_and_the_old_link_dies(strict: Flow, mailbox: Mailbox) -> None:
    doc_id, signer_id, email, token = await sent_otp_document(strict)
    await lock_out(strict, mailbox, email, token)

    new_token = await strict.embedded_link(doc_id, signer_id)
    await strict.as_signer("GET", "", 404, token)
    assert (await strict.as_signer("GET", "", 200, new_token))["data"]["otpLocked"] is False
    assert len(await requested(strict, doc_id, "signer.otp_unlocked")) == 1

    await strict.as_signer("POST", "/otp", 202, new_token)
    code = await nth_code(mailbox, email, 3)
    assert (await strict.as_signer("POST", "/otp/verify", 200, new_token, json={"code": code}))["data"]["verified"]
    await strict.assert_no_token_in_events()


async def test_the_signing_page_says_the_link_is_locked_and_whom_to_ask(
    strict: Flow, mailbox: Mailbox, context: BrowserContext
) -> None:
    doc_id, signer_id, email, token = await sent_otp_document(strict)
    # One guess short of the lock through the API; the last one in the page.
    await strict.as_signer("POST", "/otp", 202, token)
    first = await nth_code(mailbox, email, 1)
    for _ in range(MAX_ATTEMPTS):
        await strict.as_signer("POST", "/otp/verify", 422, token, json={"code": wrong(first)})
    opened = await open_page(context, strict.signing.base_url, token)
    page = opened.page
    await page.get_by_role("button", name="Email me a code").click()
    second = await nth_code(mailbox, email, 2)
    for _ in range(LOCK_AFTER - MAX_ATTEMPTS):
        await page.get_by_label("6-digit code").fill(wrong(second))
        await page.get_by_role("button", name="Verify").click()
        await expect(page.locator("#otp-error, [data-state=otp-locked]").first).to_be_visible()

    await expect(page.get_by_role("heading", name="This link is locked")).to_be_visible()
    await expect(page.locator("[data-state=otp-locked]")).to_contain_text("ask them to send you the link again")
    await expect(page.locator("img.page__image")).to_have_count(0)
    await shoot(page, "otp-locked", full_page=False)
    assert await strict.db.fetchval("SELECT otp_locked_at IS NOT NULL FROM documents.signers WHERE id = $1", signer_id)
    # A reload shows the same state straight away, without offering a code.
    await page.reload()
    await expect(page.get_by_role("heading", name="This link is locked")).to_be_visible()
    await expect(page.get_by_role("button", name="Email me a code")).to_have_count(0)
    assert opened.script_errors() == []
