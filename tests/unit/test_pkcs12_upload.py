"""An uploaded PKCS#12 becomes a seal identity only when it can be one (adapters/sealing/pkcs12_upload.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from services.documents.adapters.sealing.pkcs12_upload import MAX_ITERATIONS, Pkcs12Refused, parse_pkcs12
from tests.pkcs12_maker import PASSWORD, issue, make_ca, pack

CA = make_ca()


def refusal(data: bytes, password: str = PASSWORD) -> str:
    with pytest.raises(Pkcs12Refused) as refused:
        parse_pkcs12(data, password, datetime.now(UTC))
    return refused.value.code


def test_a_seal_certificate_with_its_key_and_issuer_is_accepted() -> None:
    cert, key = issue(CA)
    identity = parse_pkcs12(pack(cert, key, CA), PASSWORD, datetime.now(UTC))
    pems = identity.chain_pem.split("-----END CERTIFICATE-----")
    assert len([p for p in pems if p.strip()]) == 2  # the certificate, then its issuer
    assert identity.chain_pem.startswith(cert.public_bytes(serialization.Encoding.PEM).decode())
    loaded = serialization.load_pem_private_key(identity.key_pem, None)
    assert loaded.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    assert identity.not_after == cert.not_valid_after_utc
    assert identity.cert_sha256 == cert.fingerprint(hashes.SHA256()).hex()


def test_rsa_keys_of_2048_bits_are_accepted() -> None:
    cert, key = issue(CA, rsa.generate_private_key(65537, 2048))
    assert parse_pkcs12(pack(cert, key), PASSWORD, datetime.now(UTC)).cert_sha256


def test_each_refusal_has_its_code() -> None:
    cert, key = issue(CA)
    assert refusal(b"not a pkcs12 at all") == "pkcs12-unreadable"
    assert refusal(pack(cert, key), "wrong password") == "pkcs12-wrong-password"
    assert refusal(pack(cert, None)) == "pkcs12-no-private-key"
    assert refusal(pack(None, key)) == "pkcs12-no-certificate"
    # pkcs12-key-mismatch: cryptography and openssl both refuse to write such a file; checked in code.
    assert refusal(pack(*issue(CA, valid_from=timedelta(days=2)))) == "certificate-not-yet-valid"
    assert refusal(pack(*issue(CA, valid_from=timedelta(days=-30), valid_for=timedelta(days=10)))) == (
        "certificate-expired"
    )
    assert refusal(pack(*issue(CA, valid_for=timedelta(hours=12)))) == "certificate-expired"  # replaced at once
    assert refusal(pack(*issue(CA, signing_usage=False))) == "certificate-key-usage"
    assert refusal(pack(*issue(CA, rsa.generate_private_key(65537, 1024)))) == "unsupported-key-type"
    assert refusal(pack(*issue(CA, ec.generate_private_key(ec.SECP224R1())))) == "unsupported-key-type"
    assert refusal(pack(*issue(CA, dsa.generate_private_key(2048)))) == "unsupported-key-type"  # type: ignore[arg-type]


def test_a_file_asking_for_too_many_iterations_is_refused_before_any_key_is_derived() -> None:
    cert, key = issue(CA)
    assert refusal(pack(cert, key, iterations=MAX_ITERATIONS + 1)) == "pkcs12-too-costly"
    assert parse_pkcs12(pack(cert, key, iterations=50_000), PASSWORD, datetime.now(UTC)).cert_sha256
