"""Sealing secrets at rest (shared/secretbox.py) and the webhook secret's binding to its row
(services/notifier/webhooks/secret_store.py)."""

from __future__ import annotations

import base64
import os
import secrets

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.notifier.webhooks import secret_store
from services.notifier.webhooks.signing import new_secret
from shared.secretbox import Keyring, KeyringError, SecretUnreadable, key_id, new_key, parse_sealed
from shared.settings import Settings

SECRET = "9f" * 32
CONTEXT = "notifier.webhooks.secret:wh_1"


def raw(key: str) -> bytes:
    return base64.b64decode(key)


def test_round_trip_and_the_stored_form_holds_no_plaintext() -> None:
    keyring = Keyring.parse(new_key())
    sealed = keyring.seal(SECRET, CONTEXT)
    assert SECRET not in sealed and SECRET.encode().hex() not in sealed
    version, kid, payload = sealed.split(":")
    assert (version, kid) == ("v1", keyring.current_id)
    assert len(base64.urlsafe_b64decode(payload + "==")) == 12 + len(SECRET) + 16  # nonce, ciphertext, tag
    assert keyring.open(sealed, CONTEXT) == SECRET


def test_every_seal_uses_a_fresh_nonce() -> None:
    keyring = Keyring.parse(new_key())
    assert keyring.seal(SECRET, CONTEXT) != keyring.seal(SECRET, CONTEXT)


def test_it_is_standard_aes_gcm_with_the_header_and_context_as_associated_data() -> None:
    """Decrypted here with the library directly: the format is what the docs say."""
    key = new_key()
    sealed = Keyring.parse(key).seal(SECRET, CONTEXT)
    _, kid, payload = sealed.split(":")
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    plaintext = AESGCM(raw(key)).decrypt(data[:12], data[12:], f"v1:{kid}\x00{CONTEXT}".encode())
    assert plaintext.decode() == SECRET


def test_a_wrong_key_does_not_open() -> None:
    sealed = Keyring.parse(new_key()).seal(SECRET, CONTEXT)
    with pytest.raises(SecretUnreadable, match="does not hold"):
        Keyring.parse(new_key()).open(sealed, CONTEXT)


def test_a_wrong_key_with_a_forged_key_id_does_not_open() -> None:
    """Even a keyring that claims the id (the header edited to another key's id) fails the tag."""
    sealed = Keyring.parse(new_key()).seal(SECRET, CONTEXT)
    other = Keyring.parse(new_key())
    forged = sealed.replace(sealed.split(":")[1], other.current_id, 1)
    with pytest.raises(SecretUnreadable, match="does not open"):
        other.open(forged, CONTEXT)


def test_wrong_associated_data_does_not_open() -> None:
    keyring = Keyring.parse(new_key())
    sealed = keyring.seal(SECRET, CONTEXT)
    with pytest.raises(SecretUnreadable, match="does not open"):
        keyring.open(sealed, "notifier.webhooks.secret:wh_2")


def flip_last_byte(sealed: str) -> str:
    head, payload = sealed.rsplit(":", 1)
    data = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[-1] ^= 0x01  # in the tag
    return head + ":" + base64.urlsafe_b64encode(bytes(data)).decode().rstrip("=")


@pytest.mark.parametrize(
    "damage",
    [
        flip_last_byte,
        lambda s: s.rsplit(":", 1)[0] + ":" + "A" * 8,  # truncated
        lambda s: s.rsplit(":", 1)[0] + ":%%%%",  # not base64url
    ],
)
def test_a_damaged_value_does_not_open(damage) -> None:  # type: ignore[no-untyped-def]
    keyring = Keyring.parse(new_key())
    with pytest.raises(SecretUnreadable):
        keyring.open(damage(keyring.seal(SECRET, CONTEXT)), CONTEXT)


def test_rotation_the_first_key_seals_every_key_opens() -> None:
    old, new = new_key(), new_key()
    before = Keyring.parse(old)
    sealed_old = before.seal(SECRET, CONTEXT)

    after = Keyring.parse(f"{new}, {old}")
    assert after.current_id == key_id(raw(new)) != before.current_id
    assert after.open(sealed_old, CONTEXT) == SECRET  # old values still open
    assert not after.is_current(sealed_old)
    sealed_new = after.seal(SECRET, CONTEXT)
    assert after.is_current(sealed_new) and sealed_new.startswith(after.current_prefix())
    # Once the old key is dropped, only what was re-sealed opens.
    dropped = Keyring.parse(new)
    assert dropped.open(sealed_new, CONTEXT) == SECRET
    with pytest.raises(SecretUnreadable):
        dropped.open(sealed_old, CONTEXT)


def test_url_safe_base64_keys_are_accepted_and_the_repr_shows_ids_only() -> None:
    material = os.urandom(32)
    keyring = Keyring.parse(base64.urlsafe_b64encode(material).decode().rstrip("="))
    assert keyring.current_id == key_id(material)
    assert base64.b64encode(material).decode() not in repr(keyring) and keyring.current_id in repr(keyring)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "holds no key"),
        (" , ", "holds no key"),
        ("not base64!", "key 1 of SECRETS_ENCRYPTION_KEYS is not base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes, not 5"),
    ],
)
def test_bad_keys_are_refused_without_echoing_them(setting: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message) as caught:
        Keyring.parse(setting)
    assert setting.strip(" ,") == "" or setting not in str(caught.value)


def test_the_same_key_twice_is_refused() -> None:
    key = new_key()
    with pytest.raises(KeyringError, match="same key twice"):
        Keyring.parse(f"{key},{key}")


def test_settings_without_keys_stop_with_a_clear_message() -> None:
    with pytest.raises(SystemExit, match="SECRETS_ENCRYPTION_KEYS is not set"):
        Settings(secrets_encryption_keys=None).require_secrets_keyring()
    with pytest.raises(SystemExit, match="must be 32 bytes"):
        Settings(secrets_encryption_keys="c2hvcnQ=").require_secrets_keyring()
    key = new_key()
    assert Settings(secrets_encryption_keys=key).require_secrets_keyring().current_id == key_id(raw(key))


def test_parse_sealed_recognises_only_the_sealed_format() -> None:
    assert parse_sealed(SECRET) is None
    assert parse_sealed("v2:abcdef01:xyz") is None
    assert parse_sealed("v1:abc:xyz") is None
    assert parse_sealed("v1:abcdef01:xyz") is not None


# --- webhook secrets --------------------------------------------------------------------------


def test_a_webhook_secret_is_bound_to_its_webhook() -> None:
    keyring = Keyring.parse(new_key())
    secret = new_secret()
    sealed = secret_store.seal(keyring, "wh_a", secret)
    assert secret_store.reveal(keyring, "wh_a", sealed) == secret
    with pytest.raises(SecretUnreadable):
        secret_store.reveal(keyring, "wh_b", sealed)  # copied onto another row


def test_a_legacy_plaintext_secret_is_read_and_resealed() -> None:
    keyring = Keyring.parse(new_key())
    legacy = secrets.token_hex(32)  # issued as 64 hex characters, stored as issued before sealing
    assert secret_store.is_legacy_plaintext(legacy)
    assert not secret_store.is_legacy_plaintext(new_secret())  # a whsec_ secret is only ever stored sealed
    assert secret_store.reveal(keyring, "wh_a", legacy) == legacy
    resealed = secret_store.resealed(keyring, "wh_a", legacy)
    assert resealed is not None and keyring.is_current(resealed)
    assert secret_store.reveal(keyring, "wh_a", resealed) == legacy


def test_resealing_moves_to_the_current_key_and_is_idempotent() -> None:
    old, new = new_key(), new_key()
    sealed_old = secret_store.seal(Keyring.parse(old), "wh_a", SECRET)
    keyring = Keyring.parse(f"{new},{old}")
    resealed = secret_store.resealed(keyring, "wh_a", sealed_old)
    assert resealed is not None and keyring.is_current(resealed)
    assert secret_store.resealed(keyring, "wh_a", resealed) is None
    assert secret_store.reveal(Keyring.parse(new), "wh_a", resealed) == SECRET


def test_something_neither_sealed_nor_a_secret_is_unreadable() -> None:
    keyring = Keyring.parse(new_key())
    for stored in ("", "hunter2", "v1:abcdef01:"):
        with pytest.raises(SecretUnreadable):
            secret_store.reveal(keyring, "wh_a", stored)
