"""otpMethod "email": nothing but the summary works until the signer proves the emailed code.

The code is fetched from the internal endpoint, as the notifier does before emailing it.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)

pytestmark = pytest.mark.e2e


async def _otp_document(flow: Flow) -> tuple[str, str, str, str]:
    doc_id, ids = await flow.draft(
        otpMethod="email", signers=[{"email": "jane.smith@example.com", "name": "Jane"}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    signer_id = ids["jane.smith@example.com"]
    field_id = (await flow.field_ids(doc_id))[0]["id"]
    return doc_id, signer_id, field_id, await flow.link(signer_id)


async def _code(flow: Flow, signer_id: str) -> tuple[int, dict]:
    return await flow.internal(f"/internal/signers/{signer_id}/otp-code")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_the_code_gates_every_call_until_verified(flow: Flow) -> None:
    doc_id, signer_id, field_id, token = await _otp_document(flow)
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["otpRequired"] is True and session["otpVerified"] is False
    sign_body = {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": "Jane"}}]}
    for method, path, json in (
        ("GET", "/file", None),
        ("POST", "/sign", sign_body),
        ("POST", "/decline", {"reason": "no"}),
    ):
        body = await flow.as_signer(method, path, 403, token, json=json)
        assert body["type"].endswith("/otp-required")
    not_yet = await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": "123456"})
    assert not_yet["type"].endswith("/otp-not-requested")
    assert (await _code(flow, signer_id))[0] == 404

    sent = await flow.as_signer("POST", "/otp", 202, token)
    assert sent["data"]["sentTo"] == "j*********@example.com"
    status, body = await _code(flow, signer_id)
    assert status == 200 and len(body["data"]["code"]) == 6
    code = body["data"]["code"]
    requested = [e for e in await flow.events(doc_id) if e["type"] == "signer.otp_requested"]
    assert len(requested) == 1 and code not in str(requested[0])  # the event never carries the code

    await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": "12345"})  # not six digits
    verified = await flow.as_signer("POST", "/otp/verify", 200, token, json={"code": code})
    assert verified["data"]["verified"] is True
    assert (await flow.as_signer("GET", "", 200, token))["data"]["otpVerified"] is True
    assert (await _code(flow, signer_id))[0] == 404  # a used code is gone
    already = await flow.as_signer("POST", "/otp", 409, token)
    assert already["type"].endswith("/otp-already-verified")
    await flow.as_signer("POST", "/sign", 200, token, json=sign_body)
    await flow.assert_no_token_in_events()


async def test_wrong_codes_are_limited_and_a_new_code_starts_over(flow: Flow) -> None:
    _, signer_id, _, token = await _otp_document(flow)
    await flow.as_signer("POST", "/otp", 202, token)
    code = (await _code(flow, signer_id))[1]["data"]["code"]
    attempts = flow.system.settings.otp_max_attempts
    for left in range(attempts - 1, -1, -1):
        body = await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": wrong(code)})
        assert body["type"].endswith("/otp-invalid")
        assert (f"{left} attempt(s) left" if left else "request a new code") in body["errors"][0]["message"]
    # Out of attempts: even the right code is refused, and the notifier has nothing to send.
    exhausted = await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": code})
    assert exhausted["type"].endswith("/otp-attempts-exceeded")
    assert (await _code(flow, signer_id))[0] == 404

    await _as_if_sent_a_minute_ago(flow, signer_id)
    await flow.as_signer("POST", "/otp", 202, token)
    fresh = (await _code(flow, signer_id))[1]["data"]["code"]
    stale = await flow.as_signer("POST", "/otp/verify", (200, 422), token, json={"code": code})
    if fresh != code:  # the old code died with its nonce (one in a million chance they coincide)
        assert stale["type"].endswith("/otp-invalid")
    await flow.as_signer("POST", "/otp/verify", 200, token, json={"code": fresh})


async def _as_if_sent_a_minute_ago(flow: Flow, signer_id: str) -> None:
    """Move the last code's issue time back past OTP_RESEND_SECONDS (time passing, in SQL)."""
    await flow.db.execute(
        "UPDATE documents.signers SET otp_expires_at = otp_expires_at - interval '60 seconds' WHERE id = $1", signer_id
    )


async def test_a_new_code_waits_for_the_resend_pause(flow: Flow) -> None:
    _, signer_id, _, token = await _otp_document(flow)
    await flow.as_signer("POST", "/otp", 202, token)
    body = await flow.as_signer("POST", "/otp", 429, token)  # checked against the spec too
    assert body["type"].endswith("/otp-too-soon")
    status, _, resp = await flow.signing.request("POST", f"/api/v1/signing/{token}/otp")
    assert status == 429
    assert 0 < int(resp.headers["Retry-After"]) <= flow.system.settings.otp_resend_seconds
    # Only one code email's worth of events: the refused request recorded nothing.
    assert (await flow.event_types(await _document_of(flow, signer_id))).count("signer.otp_requested") == 1
    await _as_if_sent_a_minute_ago(flow, signer_id)
    await flow.as_signer("POST", "/otp", 202, token)


async def _document_of(flow: Flow, signer_id: str) -> str:
    return await flow.db.fetchval("SELECT document_id FROM documents.signers WHERE id = $1", signer_id)


async def test_codes_expire(flow: Flow) -> None:
    _, signer_id, _, token = await _otp_document(flow)
    await flow.as_signer("POST", "/otp", 202, token)
    code = (await _code(flow, signer_id))[1]["data"]["code"]
    await flow.db.execute(
        "UPDATE documents.signers SET otp_expires_at = now() - interval '1 second' WHERE id = $1", signer_id
    )
    assert (await _code(flow, signer_id))[0] == 404
    body = await flow.as_signer("POST", "/otp/verify", 422, token, json={"code": code})
    assert body["type"].endswith("/otp-expired")


async def test_documents_without_otp_need_no_code(flow: Flow) -> None:
    doc_id, ids = await flow.draft(signers=[{"email": "ann@example.com", "name": "Ann"}], fields=[signature(0)])
    await flow.send(doc_id)
    token = await flow.link(ids["ann@example.com"])
    body = await flow.as_signer("POST", "/otp", 409, token)
    assert body["type"].endswith("/otp-not-required")
