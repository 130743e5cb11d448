"""Signing tokens and one-time codes: derived from the secret, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib

from services.documents.domain import tokens

SECRET = b"s" * 32


def test_a_token_is_256_bits_of_base64url_and_stable_per_signer_and_version():
    token = tokens.signing_token(SECRET, "sr_1", 0)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert tokens.looks_like_token(token)
    assert tokens.signing_token(SECRET, "sr_1", 0) == token
    # Another version (a rotated link), another signer or another secret: another token.
    assert (
        len(
            {
                token,
                tokens.signing_token(SECRET, "sr_1", 1),
                tokens.signing_token(SECRET, "sr_2", 0),
                tokens.signing_token(b"t" * 32, "sr_1", 0),
            }
        )
        == 4
    )


def test_only_the_hash_is_comparable_and_it_is_not_the_token():
    token = tokens.signing_token(SECRET, "sr_1", 0)
    digest = tokens.token_hash(token)
    assert len(digest) == 64 and token not in digest
    assert tokens.same_hash(digest, tokens.token_hash(token))
    assert not tokens.same_hash(digest, tokens.token_hash(tokens.signing_token(SECRET, "sr_1", 1)))
    assert not tokens.same_hash(None, digest)


def test_token_shape_check_refuses_garbage():
    for value in ("", "short", "x" * 44, "a" * 42 + "!", "../" * 15):
        assert not tokens.looks_like_token(value)


def test_signing_url_is_under_the_public_url():
    assert tokens.signing_url("https://sign.example.com/", "abc") == "https://sign.example.com/sign/abc"


def test_otp_codes_are_six_digits_and_change_with_the_nonce():
    codes = [tokens.otp_code(SECRET, "sr_1", nonce) for nonce in range(1, 50)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 45  # a new request gives a new code
    assert tokens.otp_code(SECRET, "sr_1", 3) == tokens.otp_code(SECRET, "sr_1", 3)


def test_otp_hash_is_keyed_and_bound_to_signer_and_nonce():
    assert tokens.otp_hash(SECRET, "sr_1", 1, "123456") != tokens.otp_hash(SECRET, "sr_2", 1, "123456")
    assert tokens.otp_hash(SECRET, "sr_1", 1, "123456") != tokens.otp_hash(SECRET, "sr_1", 2, "123456")
    assert "123456" not in tokens.otp_hash(SECRET, "sr_1", 1, "123456")
    # Without the secret, trying all 10^6 codes against a stored hash finds nothing.
    stored = tokens.otp_hash(SECRET, "sr_1", 1, "123456")
    assert stored != tokens.otp_hash(b"another secret", "sr_1", 1, "123456")
    assert stored not in {hashlib.sha256(f"sr_1:1:{c:06d}".encode()).hexdigest() for c in range(123400, 123500)}
