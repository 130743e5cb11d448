"""Signing tokens, signing links and one-time codes, derived from the signing secret (pure).

A signer's token is `base64url(HMAC-SHA256(secret, "sign:{signer_id}:{token_version}"))`: 256
bits nobody can guess without the secret. Because it can be recomputed at any time, the database
keeps only `sha256(token)` (to find the signer a token belongs to) and the version; the notifier
asks for a link over the internal API instead of reading one from an event. Bumping the version
(POST …/signing-url) gives a new token and kills the old one, whose hash no longer matches.

One-time codes work the same way: `HMAC(secret, "otp:{signer_id}:{otp_nonce}") mod 10^6`, with
only a hash of the code stored; a new nonce per request gives a new code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TOKEN_BYTES = 32  # 256 bits
# base64url without padding of 32 bytes is 43 characters.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
OTP_DIGITS = 6


def _mac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode(), hashlib.sha256).digest()


def signing_token(secret: bytes, signer_id: str, version: int) -> str:
    return base64.urlsafe_b64encode(_mac(secret, f"sign:{signer_id}:{version}")).decode().rstrip("=")


def token_hash(token: str) -> str:
    """What the database stores and looks tokens up by (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check, so garbage never reaches SQL (it would be a 404 either way)."""
    return _TOKEN_SHAPE.fullmatch(value) is not None  # fullmatch: `$` would let a trailing "\n" by


def signing_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/sign/{token}"


def otp_code(secret: bytes, signer_id: str, nonce: int) -> str:
    # 64 bits reduced mod 10^6: the bias (< 10^-13) is irrelevant next to the attempt limit.
    value = int.from_bytes(_mac(secret, f"otp:{signer_id}:{nonce}")[:8], "big") % 10**OTP_DIGITS
    return f"{value:0{OTP_DIGITS}d}"


def otp_hash(secret: bytes, signer_id: str, nonce: int, code: str) -> str:
    """What the database keeps of a code: keyed (a plain hash of one of 10^6 codes would give the
    code back to anyone holding a dump) and bound to its signer and nonce."""
    return _mac(secret, f"otp-hash:{signer_id}:{nonce}:{code}").hex()


def same_hash(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())
