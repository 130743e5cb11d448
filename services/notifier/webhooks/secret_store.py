"""How a webhook's signing secret is kept in `notifier.webhooks.secret` (pure: no I/O).

Sealed with the keyring (shared/secretbox.py) in the context of its own row: the webhook id is
part of the associated data, so a sealed secret copied onto another webhook does not open.

Rows written before sealing existed (migration 0004) hold the secret as issued: 64 hex
characters, never in the sealed format. They are still read, so an upgrade does not stop
deliveries, until `countersign secrets rotate` seals them (docs/webhooks.md).
"""

from __future__ import annotations

import re

from shared.secretbox import Keyring, SecretUnreadable, parse_sealed

_LEGACY_PLAINTEXT = re.compile(r"[0-9a-f]{64}")


def context(webhook_id: str) -> str:
    return f"notifier.webhooks.secret:{webhook_id}"


def seal(keyring: Keyring, webhook_id: str, secret: str) -> str:
    return keyring.seal(secret, context(webhook_id))


def is_legacy_plaintext(stored: str) -> bool:
    return parse_sealed(stored) is None and _LEGACY_PLAINTEXT.fullmatch(stored) is not None


def reveal(keyring: Keyring, webhook_id: str, stored: str) -> str:
    """The secret to sign with; `SecretUnreadable` when it cannot be had."""
    if is_legacy_plaintext(stored):
        return stored
    return keyring.open(stored, context(webhook_id))


def resealed(keyring: Keyring, webhook_id: str, stored: str) -> str | None:
    """The value sealed under the current key, or None when it already is."""
    if keyring.is_current(stored):
        return None
    return seal(keyring, webhook_id, reveal(keyring, webhook_id, stored))


__all__ = ["SecretUnreadable", "context", "is_legacy_plaintext", "resealed", "reveal", "seal"]
