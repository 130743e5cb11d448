"""The platform certificate authority that issues each organisation's seal certificate (pure).

By default every organisation seals with a certificate issued by the platform CA (SEAL_CA_CERT_FILE
and SEAL_CA_KEY_FILE); `countersign run` makes a development CA once under var/. A relying party
that trusts the CA's certificate trusts every organisation's seal, and the organisation's own
certificate (GET /api/v1/org/certificate) names which organisation sealed.

ECDSA P-256 keys: fast to generate at first use (an RSA key would hold the completion worker for a
noticeable moment) and accepted by Adobe Reader, poppler and pyHanko alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

# Adobe's "Authentic Documents" extended key usage: marks a certificate meant for signing PDFs.
ADOBE_AUTHENTIC_DOCUMENTS = ObjectIdentifier("1.2.840.113583.1.1.5")
# A little before now, so that a verifier whose clock runs behind still sees a valid certificate.
BACKDATE = timedelta(minutes=5)
# How long a published CRL is current: signed afresh on every request, so a short life is free.
CRL_VALIDITY = timedelta(days=1)


class AuthorityError(ValueError):
    """The configured CA files do not make a usable authority (the message names which)."""


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key, as PEM."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)


@dataclass(frozen=True)
class CertificateAuthority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | object = field(repr=False)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> CertificateAuthority:
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
        except ValueError:
            raise AuthorityError("the seal CA certificate is not a PEM X.509 certificate") from None
        try:
            key = serialization.load_pem_private_key(key_pem, password)
        except (ValueError, TypeError):
            raise AuthorityError("the seal CA key is not a PEM private key (or its password is wrong)") from None
        if key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise AuthorityError("the seal CA key does not belong to the seal CA certificate")
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise AuthorityError("the seal CA certificate is not a CA certificate (basicConstraints cA=false)")
        return cls(cert, key)

    def issue_seal_certificate(self, org_id: str, now: datetime, valid_days: int, crl_url: str | None = None) -> Issued:
        """A fresh key and a certificate for the organisation's document seals; with `crl_url`
        (SEAL_CRL_URL), it names where the CA publishes its revocation list, so that the seal can
        embed that list (PAdES B-LT) and a verifier can check it."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"Countersign seal {org_id}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Document seals"),
                # The organisation's id (not its display name, which the documents service does not hold
                # and which may change): what the verification endpoint reports as "sealed by".
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_id),
            ]
        )
        builder = (
            _signing_certificate(self, subject, key.public_key(), now, valid_days)
            .add_extension(
                x509.ExtendedKeyUsage([ADOBE_AUTHENTIC_DOCUMENTS, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
                ),
                critical=False,
            )
        cert = builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))

    def revocation_list(self, now: datetime, valid_for: timedelta = CRL_VALIDITY) -> bytes:
        """The CA's CRL (DER), signed now. The platform revokes no seal certificate (an
        organisation that changes its seal keeps its old documents valid), so it lists none: what
        it proves is that none of them was revoked when the seal embedded it."""
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - BACKDATE)
            .next_update(now + valid_for)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.cert.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
            .sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        )
        return crl.public_bytes(serialization.Encoding.DER)


def _signing_certificate(
    ca: CertificateAuthority, subject: x509.Name, public_key: Any, now: datetime, valid_days: int
) -> x509.CertificateBuilder:
    """What every end-entity certificate the CA issues shares: a signing-only, non-CA certificate
    that never outlives the CA; the caller adds its extended key usage and signs."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + timedelta(days=valid_days), ca.cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.cert.public_key()), critical=False)  # type: ignore[arg-type]
    )


def issue_tsa_certificate(
    ca: CertificateAuthority, common_name: str, valid_days: int = 3650, now: datetime | None = None
) -> Issued:
    """A timestamping certificate for the development TSA (services/devstack/tsa_server.py).
    RSA because pyHanko's test timestamper signs with RSA only."""
    now = now or datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Countersign"),
        ]
    )
    cert = (
        _signing_certificate(ca, subject, key.public_key(), now, valid_days)
        # RFC 3161 §2.3: a TSA certificate has exactly this one extended key usage, critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def new_authority(common_name: str, valid_days: int = 3650, now: datetime | None = None) -> Issued:
    """A self-signed CA (development stack, tests): never for production, where the operator
    supplies a CA whose certificate relying parties already trust."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Countersign"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
