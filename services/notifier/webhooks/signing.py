"""Webhook signatures (pure): the inSigner scheme and the Standard Webhooks scheme.

Both are HMAC-SHA256 with the same key: the webhook's secret as UTF-8 bytes (the 64 hex
characters shown once at creation, used as text, exactly as the reference's Node example does
with `crypto.createHmac('sha256', WEBHOOK_SECRET)`).

- inSigner: `X-InSigner-Signature: sha256=<hex HMAC(secret, raw body)>`, `X-InSigner-Timestamp`.
- Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC(secret,
  "{webhook-id}.{webhook-timestamp}.{raw body}")>`. Its libraries take the key as
  `whsec_<base64 of the key bytes>`, which `standard_webhooks_secret` gives for our secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_BYTES = 32  # shown as 64 hex characters, like the reference's example
USER_AGENT = "Countersign-Webhooks/1.0"


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


Key = str | bytes  # a webhook's secret (text, used as its UTF-8 bytes) or raw key bytes


def _mac(key: Key, message: bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw, message, hashlib.sha256).digest()


def insigner_signature(secret: Key, body: bytes) -> str:
    return "sha256=" + _mac(secret, body).hex()


def standard_webhooks_signature(secret: Key, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode("ascii") + body
    return "v1," + base64.b64encode(_mac(secret, signed)).decode("ascii")


def standard_webhooks_secret(secret: str) -> str:
    """The same key in the form Standard Webhooks libraries expect."""
    return "whsec_" + base64.b64encode(secret.encode("utf-8")).decode("ascii")


def delivery_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a delivery; `message_id`, `timestamp` and `body` are the delivery's own,
    fixed when it was created, so every retry is byte-for-byte the same request."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-InSigner-Signature": insigner_signature(secret, body),
        "X-InSigner-Timestamp": str(timestamp),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhooks_signature(secret, message_id, timestamp, body),
    }
