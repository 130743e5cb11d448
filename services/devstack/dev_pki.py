"""The development PKI of `make run` and the tests: a seal CA and a TSA certificate it issued.

Made once under a directory (var/dev-pki for `make run`) and kept: documents sealed yesterday must
still verify against the same CA today. Never for production (docs/signed-pdf.md, "Trust chain").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.documents.adapters.sealing.authority import CertificateAuthority, issue_tsa_certificate, new_authority


@dataclass(frozen=True)
class DevPki:
    ca_cert: Path
    ca_key: Path
    tsa_cert: Path
    tsa_key: Path


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def ensure_dev_pki(directory: Path) -> DevPki:
    pki = DevPki(directory / "seal-ca.pem", directory / "seal-ca.key", directory / "tsa.pem", directory / "tsa.key")
    directory.mkdir(parents=True, exist_ok=True)
    if not (pki.ca_cert.exists() and pki.ca_key.exists()):
        issued = new_authority("Countersign development seal CA")
        _write_private(pki.ca_key, issued.key_pem)
        pki.ca_cert.write_bytes(issued.cert_pem)
    if not (pki.tsa_cert.exists() and pki.tsa_key.exists()):
        ca = CertificateAuthority.from_pem(pki.ca_cert.read_bytes(), pki.ca_key.read_bytes())
        tsa = issue_tsa_certificate(ca, "Countersign development TSA")
        _write_private(pki.tsa_key, tsa.key_pem)
        pki.tsa_cert.write_bytes(tsa.cert_pem)
    return pki
