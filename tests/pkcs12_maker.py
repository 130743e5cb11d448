"""PKCS#12 files for the tests of `PUT /api/v1/org/certificate`: a test CA and a seal certificate it
issues, packed as an organisation would export them (cryptography builds every variant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = "correct horse battery staple"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Ltd")]
    )


@dataclass(frozen=True)
class TestCa:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_ca() -> TestCa:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Acme test root"))
        .issuer_name(_name("Acme test root"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return TestCa(cert, key)


def issue(
    ca: TestCa,
    key: PrivateKey | None = None,
    *,
    valid_from: timedelta = timedelta(days=-1),
    valid_for: timedelta = timedelta(days=365),
    signing_usage: bool = True,
) -> tuple[x509.Certificate, PrivateKey]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    usage = x509.KeyUsage(signing_usage, signing_usage, not signing_usage, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Acme document seal"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + valid_from)
        .not_valid_after(now + valid_from + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    return cert, key


def pack(
    cert: x509.Certificate | None,
    key: PrivateKey | None,
    ca: TestCa | None = None,
    password: str = PASSWORD,
    iterations: int | None = None,
) -> bytes:
    if iterations is None:
        encryption: serialization.KeySerializationEncryption = serialization.BestAvailableEncryption(password.encode())
    else:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(iterations)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password.encode())
        )
    return pkcs12.serialize_key_and_certificates(
        b"Acme seal", key, cert, [ca.cert] if ca is not None else None, encryption
    )
