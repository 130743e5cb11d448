"""Webhook signatures (pure): the inSigner scheme and the Standard Webhooks scheme.

A webhook's secret is handed out once, at creation, as Standard Webhooks' `whsec_` + base64 of 32
random key bytes. Webhooks created before that have a secret of 64 hex characters; both kinds are
stored (sealed) exactly as they were issued, and both keep verifying:

- Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC(key,
  "{webhook-id}.{webhook-timestamp}.{raw body}")>`, keyed with the bytes the `whsec_` form
  encodes. A hex secret's key has always been its text (UTF-8), so its `whsec_` form is
  `whsec_` + base64 of those 64 characters (`standard_webhooks_secret`): the key that signed its
  deliveries before still signs them.
- inSigner: `X-InSigner-Signature: sha256=<hex HMAC(secret, raw body)>`, keyed with the secret
  string exactly as issued, used as text, as the reference's Node example does with
  `crypto.createHmac('sha256', WEBHOOK_SECRET)`: a receiver written for inSigner works with
  whichever secret it was given.

Each attempt is signed with its own time (`webhook-timestamp`, `X-InSigner-Timestamp`): receivers
reject stale timestamps (the reference's example and Standard Webhooks libraries allow 5
minutes), so a retry hours later must carry the hour it is sent in. Id and body never change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "Countersign-Webhooks/1.0"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks key of a secret as issued: what its `whsec_` form decodes to."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except binascii.Error:
            raise ValueError("not a whsec_ secret") from None
    return secret.encode("utf-8")  # a hex secret from before whsec_: its text is its key


def standard_webhooks_secret(secret: str) -> str:
    """The `whsec_` form of a secret as issued (a new secret already is one)."""
    return SECRET_PREFIX + base64.b64encode(signing_key(secret)).decode("ascii")


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def insigner_signature(secret: str, body: bytes) -> str:
    return "sha256=" + _mac(secret.encode("utf-8"), body).hex()


def standard_webhooks_signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode("ascii") + body
    return "v1," + base64.b64encode(_mac(key, signed)).decode("ascii")


def delivery_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one attempt. `message_id` and `body` are the delivery's own, the same on
    every attempt; `timestamp` is this attempt's (Unix seconds)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-InSigner-Signature": insigner_signature(secret, body),
        "X-InSigner-Timestamp": str(timestamp),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhooks_signature(signing_key(secret), message_id, timestamp, body),
    }
