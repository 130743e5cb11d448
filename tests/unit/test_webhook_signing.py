"""Webhook signatures, checked against independent computations and the published
Standard Webhooks test vector."""

from __future__ import annotations

import base64
import hashlib
import hmac

from services.notifier.webhooks.signing import (
    delivery_headers,
    insigner_signature,
    new_secret,
    standard_webhooks_secret,
    standard_webhooks_signature,
)

BODY = b'{"id":"6f1c","event":"document.completed","data":{"documentId":"c1"}}'


def test_secrets_are_64_hex_characters_and_unique() -> None:
    first, second = new_secret(), new_secret()
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != second


def test_insigner_signature_is_hex_hmac_of_the_raw_body() -> None:
    secret = "a1b2" * 16
    expected = hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
    assert insigner_signature(secret, BODY) == "sha256=" + expected


def test_standard_webhooks_signature_matches_the_published_vector() -> None:
    # From the Standard Webhooks reference libraries: whsec_ key, id, timestamp, body -> signature.
    key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signature = standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_whsec_form_carries_the_same_key() -> None:
    secret = new_secret()
    whsec = standard_webhooks_secret(secret)
    assert whsec.startswith("whsec_")
    key = base64.b64decode(whsec.removeprefix("whsec_"))
    signed = b"whd_1.1700000000." + BODY
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert standard_webhooks_signature(secret, "whd_1", 1700000000, BODY) == expected


def test_delivery_headers_carry_both_schemes_over_the_same_id_timestamp_and_body() -> None:
    secret = new_secret()
    headers = delivery_headers(secret, "whd_abc", 1700000000, BODY)
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "whd_abc"
    assert headers["webhook-timestamp"] == headers["X-InSigner-Timestamp"] == "1700000000"
    assert headers["X-InSigner-Signature"] == "sha256=" + hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest()
    mac = hmac.new(secret.encode(), b"whd_abc.1700000000." + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
    # The same inputs sign the same way: a retry is byte-for-byte the same request.
    assert delivery_headers(secret, "whd_abc", 1700000000, BODY) == headers
