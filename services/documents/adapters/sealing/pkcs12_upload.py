"""An organisation's own seal identity from an uploaded PKCS#12 (pure: bytes + password + clock).

`PUT /api/v1/org/certificate` (docs/signed-pdf.md#your-own-certificate) hands us a file we did not
make, so everything is checked before anything is stored, and each refusal has a stable code:

    pkcs12-unreadable         not a PKCS#12 (PFX) structure at all
    pkcs12-too-costly         its key derivation asks for more iterations than we spend (a cheap DoS)
    pkcs12-wrong-password     a PKCS#12, but the password does not open it (or its MAC)
    pkcs12-no-private-key     it holds no private key
    pkcs12-no-certificate     it holds no certificate for the key
    pkcs12-key-mismatch       the key does not belong to the certificate
    unsupported-key-type      not RSA >= 2048 bits or ECDSA P-256/384/521 (what PAdES readers accept)
    certificate-not-yet-valid its validity starts in the future
    certificate-expired       it has expired, or expires within a day (the seal would be replaced at once)
    certificate-key-usage     a keyUsage extension without digitalSignature or nonRepudiation

Iterations are read from the structure (asn1crypto) before cryptography derives any key: the MAC's
and each encrypted bag's PBKDF2 count are attacker-chosen, and 2^31 of them hold a thread for hours.
CPU-bound: callers run `parse_pkcs12` in a thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asn1crypto import cms, pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

# OpenSSL 3 writes 2048 (MAC) and 2048 (PBES2); Windows and macOS exports stay far below this.
MAX_ITERATIONS = 1_000_000
MAX_CERTIFICATES = 10
MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
# The same margin as the live identity's (db/seal_repository.py): an identity within a day of
# expiry is replaced by a platform-issued one on next use.
EXPIRY_MARGIN = timedelta(days=1)


class Pkcs12Refused(ValueError):
    """The upload cannot be a seal identity; `code` is the API's stable problem slug."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class UploadedIdentity:
    """What is stored: the key (PKCS#8 PEM, unencrypted: it is sealed at rest by the caller), the
    chain (the signing certificate first), the certificate's SHA-256 (DER) and its expiry."""

    key_pem: bytes = field(repr=False)
    chain_pem: str
    cert_sha256: str
    not_after: datetime


def _iterations(data: bytes) -> list[int]:
    """Every PBKDF iteration count the file declares (MAC and encrypted content); raises
    Pkcs12Refused when the bytes are not a PFX structure."""
    try:
        pfx = pkcs12.Pfx.load(data, strict=True)
        counts: list[int] = []
        mac = pfx["mac_data"]
        if mac.native is not None:
            counts.append(int(mac["iterations"].native))
        for info in pfx.authenticated_safe:
            if info["content_type"].native == "encrypted_data":
                algorithm = info["content"]["encrypted_content_info"]["content_encryption_algorithm"]
                counts.append(_kdf_iterations(algorithm))
        return counts
    except (ValueError, TypeError, KeyError):
        raise Pkcs12Refused("pkcs12-unreadable", "The file is not a PKCS#12 (.p12 / .pfx) file") from None


def _kdf_iterations(algorithm: cms.EncryptionAlgorithm) -> int:
    if algorithm["algorithm"].native == "pbes2":
        return int(algorithm["parameters"]["key_derivation_func"]["parameters"]["iteration_count"].native)
    parameters = algorithm["parameters"].native
    return int(parameters.get("iterations", 0)) if isinstance(parameters, dict) else 0


def _spki(key: object) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


def _check_key_type(key: object) -> None:
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MIN_RSA_BITS:
        return
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, EC_CURVES):
        return
    raise Pkcs12Refused(
        "unsupported-key-type",
        f"The key must be RSA (at least {MIN_RSA_BITS} bits) or ECDSA on P-256, P-384 or P-521",
    )


def _check_certificate(cert: x509.Certificate, now: datetime) -> None:
    if cert.not_valid_before_utc > now:
        raise Pkcs12Refused("certificate-not-yet-valid", f"The certificate is valid from {cert.not_valid_before_utc}")
    if cert.not_valid_after_utc <= now + EXPIRY_MARGIN:
        raise Pkcs12Refused(
            "certificate-expired", f"The certificate expired, or expires within a day ({cert.not_valid_after_utc})"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no keyUsage extension: every usage is allowed (RFC 5280 §4.2.1.3)
    if not (usage.digital_signature or usage.content_commitment):
        raise Pkcs12Refused(
            "certificate-key-usage", "The certificate's key usage allows neither digitalSignature nor nonRepudiation"
        )


def parse_pkcs12(data: bytes, password: str, now: datetime) -> UploadedIdentity:
    """The seal identity in `data`, or Pkcs12Refused saying why it cannot be one."""
    counts = _iterations(data)
    if any(count > MAX_ITERATIONS for count in counts):
        raise Pkcs12Refused(
            "pkcs12-too-costly", f"The file's key derivation uses more than {MAX_ITERATIONS:,} iterations"
        )
    try:
        loaded = crypto_pkcs12.load_pkcs12(data, password.encode())
    except ValueError:
        raise Pkcs12Refused("pkcs12-wrong-password", "The password does not open this PKCS#12 file") from None
    except Exception:  # an algorithm cryptography does not support, a malformed bag, …
        raise Pkcs12Refused("pkcs12-unreadable", "The PKCS#12 file could not be read") from None
    if loaded.key is None:
        raise Pkcs12Refused("pkcs12-no-private-key", "The PKCS#12 file holds no private key")
    if loaded.cert is None:
        raise Pkcs12Refused("pkcs12-no-certificate", "The PKCS#12 file holds no certificate for its key")
    cert = loaded.cert.certificate
    if _spki(loaded.key.public_key()) != _spki(cert.public_key()):
        raise Pkcs12Refused("pkcs12-key-mismatch", "The private key does not belong to the certificate")
    _check_key_type(loaded.key)
    _check_certificate(cert, now)
    issuers = [extra.certificate for extra in loaded.additional_certs]
    if len(issuers) + 1 > MAX_CERTIFICATES:
        raise Pkcs12Refused("pkcs12-unreadable", f"The PKCS#12 file holds more than {MAX_CERTIFICATES} certificates")
    chain = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *issuers])
    key_pem = loaded.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return UploadedIdentity(
        key_pem,
        chain,
        hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        cert.not_valid_after_utc,
    )
