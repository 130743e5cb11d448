"""Webhook signatures, checked against independent computations, the published Standard Webhooks
test vector and the official `standardwebhooks` package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifier.webhooks.signing import (
    delivery_headers,
    insigner_signature,
    new_secret,
    signing_key,
    standard_webhooks_secret,
    standard_webhooks_signature,
)

BODY = b'{"id":"6f1c","event":"document.completed","data":{"documentId":"c1"}}'


def test_secrets_are_whsec_and_32_random_bytes() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second
    # Already in the Standard Webhooks form: nothing to convert.
    assert standard_webhooks_secret(first) == first


def test_insigner_signature_is_hex_hmac_of_the_raw_body_keyed_with_the_secret_text() -> None:
    for secret in (new_secret(), secrets.token_hex(32)):
        expected = hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
        assert insigner_signature(secret, BODY) == "sha256=" + expected


def test_standard_webhooks_signature_matches_the_published_vector() -> None:
    # From the Standard Webhooks reference libraries: whsec_ key, id, timestamp, body -> signature.
    key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signature = standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_hex_secret_from_before_whsec_keeps_its_key() -> None:
    legacy = secrets.token_hex(32)
    # Its key has always been its text; the whsec_ form carries exactly those bytes.
    assert signing_key(legacy) == legacy.encode()
    whsec = standard_webhooks_secret(legacy)
    assert base64.b64decode(whsec.removeprefix("whsec_")) == legacy.encode()


def test_a_malformed_whsec_secret_is_refused_not_used_as_text() -> None:
    with pytest.raises(ValueError):
        signing_key("whsec_not*base64")


@pytest.mark.parametrize("kind", ["new", "legacy hex"])
def test_the_official_library_verifies_both_kinds_of_secret(kind: str) -> None:
    secret = new_secret() if kind == "new" else secrets.token_hex(32)
    now = int(time.time())
    headers = delivery_headers(secret, "whd_abc", now, BODY)
    assert Webhook(standard_webhooks_secret(secret)).verify(BODY, headers) is not None
    # A different body, id or key does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_webhooks_secret(secret)).verify(BODY + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_webhooks_secret(secret)).verify(BODY, {**headers, "webhook-id": "whd_other"})
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_the_official_library_refuses_a_stale_timestamp_which_is_why_each_attempt_signs_its_own() -> None:
    secret = new_secret()
    an_hour_ago = int(time.time()) - 3600
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, delivery_headers(secret, "whd_abc", an_hour_ago, BODY))


def test_delivery_headers_carry_both_schemes_over_the_same_id_timestamp_and_body() -> None:
    secret = new_secret()
    headers = delivery_headers(secret, "whd_abc", 1700000000, BODY)
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "whd_abc"
    assert headers["webhook-timestamp"] == headers["X-InSigner-Timestamp"] == "1700000000"
    assert headers["X-InSigner-Signature"] == "sha256=" + hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, b"whd_abc.1700000000." + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
    # Another attempt of the same delivery: same id and body, its own timestamp and signature.
    later = delivery_headers(secret, "whd_abc", 1700003600, BODY)
    assert later["webhook-id"] == headers["webhook-id"]
    assert later["X-InSigner-Signature"] == headers["X-InSigner-Signature"]  # the body's HMAC only
    assert later["webhook-timestamp"] == "1700003600"
    assert later["webhook-signature"] != headers["webhook-signature"]
