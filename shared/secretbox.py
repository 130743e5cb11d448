"""Secrets the platform must read back, sealed at rest with AES-256-GCM (pure: no I/O).

Most credentials are stored as hashes (API keys, WPsigner secrets, signing tokens, one-time
codes): nothing needs them back. A few must be read back to be used — a webhook's signing secret
signs every delivery — so they are sealed instead, with keys from `SECRETS_ENCRYPTION_KEYS`.

A sealed value is text: `v1:<key id>:<base64url(nonce || ciphertext || tag)>`.

- The key id names the key that sealed it, so keys can rotate: the keyring's first key seals,
  every key in it opens, and `countersign secrets rotate` re-seals old values under the first.
  The id is derived from the key (a truncated SHA-256 of it), so operators list keys, not ids.
- The caller gives a *context* (e.g. `notifier.webhooks.secret:wh_123`): it is authenticated as
  associated data with the header, so a value copied to another row, column or table, or with
  its header edited, does not open.
- A fresh 96-bit random nonce per seal; far below the 2^32 seals per key where random nonces
  would start to risk a collision.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_CHARS = 8  # hex: 32 bits, enough to tell a handful of live keys apart


class KeyringError(ValueError):
    """The configured keys are not usable; the message never contains key material."""


class SecretUnreadable(ValueError):
    """A sealed value does not open: unknown key, wrong context, or altered."""


def key_id(material: bytes) -> str:
    return hashlib.sha256(b"countersign secretbox key id\x00" + material).hexdigest()[:KEY_ID_CHARS]


def new_key() -> str:
    """A fresh key as it goes into SECRETS_ENCRYPTION_KEYS (standard base64 of 32 random bytes)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _decode_key(text: str, position: int) -> bytes:
    # Standard and URL-safe base64 are both accepted: `openssl rand -base64 32` gives the first.
    normalized = text.strip().replace("-", "+").replace("_", "/")
    try:
        material = base64.b64decode(normalized + "=" * (-len(normalized) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"key {position} of SECRETS_ENCRYPTION_KEYS is not base64") from None
    if len(material) != KEY_BYTES:
        raise KeyringError(f"key {position} of SECRETS_ENCRYPTION_KEYS must be {KEY_BYTES} bytes, not {len(material)}")
    return material


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(kid: str, context: str) -> bytes:
    return f"{VERSION}:{kid}\x00{context}".encode()


@dataclass(frozen=True)
class _Key:
    id: str
    cipher: AESGCM = field(repr=False)


@dataclass(frozen=True)
class Sealed:
    """A sealed value taken apart (no decryption)."""

    key_id: str
    payload: str


def parse_sealed(stored: str) -> Sealed | None:
    """The parts of a sealed value, or None when `stored` is not in the sealed format (a value
    written before sealing existed: see the caller's legacy handling)."""
    version, sep, rest = stored.partition(":")
    if not sep or version != VERSION:
        return None
    kid, sep, payload = rest.partition(":")
    if not sep or len(kid) != KEY_ID_CHARS or not payload:
        return None
    return Sealed(kid, payload)


class Keyring:
    """The current key (first) and older keys still accepted for opening."""

    def __init__(self, materials: Sequence[bytes]) -> None:
        if not materials:
            raise KeyringError("SECRETS_ENCRYPTION_KEYS holds no key")
        keys = [_Key(key_id(m), AESGCM(m)) for m in materials]
        ids = [k.id for k in keys]
        if len(set(ids)) != len(ids):
            raise KeyringError("SECRETS_ENCRYPTION_KEYS lists the same key twice")
        self._keys = {k.id: k for k in keys}
        self.current_id = ids[0]
        self.key_ids = tuple(ids)

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """From the setting: base64 keys, comma separated, the current one first."""
        parts = [part for part in text.split(",") if part.strip()]
        return cls([_decode_key(part, n) for n, part in enumerate(parts, start=1)])

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id!r}, keys={list(self.key_ids)!r})"

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        kid = self.current_id
        ciphertext = self._keys[kid].cipher.encrypt(nonce, plaintext.encode("utf-8"), _associated_data(kid, context))
        return f"{VERSION}:{kid}:{_b64(nonce + ciphertext)}"

    def open(self, stored: str, context: str) -> str:
        sealed = parse_sealed(stored)
        if sealed is None:
            raise SecretUnreadable("not a sealed value")
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise SecretUnreadable(f"sealed with key {sealed.key_id}, which SECRETS_ENCRYPTION_KEYS does not hold")
        try:
            data = _unb64(sealed.payload)
        except (binascii.Error, ValueError):
            raise SecretUnreadable("the sealed value is damaged") from None
        if len(data) <= NONCE_BYTES:
            raise SecretUnreadable("the sealed value is damaged")
        try:
            plaintext = key.cipher.decrypt(
                data[:NONCE_BYTES], data[NONCE_BYTES:], _associated_data(sealed.key_id, context)
            )
        except InvalidTag:
            raise SecretUnreadable(f"the value does not open with key {sealed.key_id} in this context") from None
        return plaintext.decode("utf-8")

    def is_current(self, stored: str) -> bool:
        sealed = parse_sealed(stored)
        return sealed is not None and sealed.key_id == self.current_id

    def current_prefix(self) -> str:
        """What every value sealed under the current key starts with (for SQL `LIKE`)."""
        return f"{VERSION}:{self.current_id}:"
