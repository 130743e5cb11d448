"""What a relying party does with a sealed PDF, for the tests: validate it with pyHanko against a
trust root it chose, and list it with poppler's `pdfsig` (an independent implementation); and
the sealing side's parts: the tests' CA and an identity it issued."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature, validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from services.documents.adapters.sealing.authority import CertificateAuthority
from services.documents.adapters.sealing.seal import SealIdentity
from shared.settings import Settings
from tests.peers import Peers


def peers_authority(peers: Peers) -> CertificateAuthority:
    """The seal CA the tests' peers run with."""
    return CertificateAuthority.from_pem(peers.pki.ca_cert.read_bytes(), peers.pki.ca_key.read_bytes())


def issued_identity(ca: CertificateAuthority, org_id: str) -> SealIdentity:
    """A seal identity `ca` issues to `org_id` now, valid for 30 days, with its chain."""
    issued = ca.issue_seal_certificate(org_id, datetime.now(UTC), 30)
    return SealIdentity(issued.key_pem, [issued.cert_pem, ca.cert_pem])


def trust_roots(pem: bytes) -> list[asn1_x509.Certificate]:
    return list(load_certs_from_pemder_data(pem))


def seal_ca_roots(settings: Settings) -> list[asn1_x509.Certificate]:
    """The seal CA the services under test were configured with, as a relying party's trust roots."""
    cert_file, _ = settings.require_seal_ca_files()
    return trust_roots(cert_file.read_bytes())


def _one_signature(pdf: bytes, roots: list[asn1_x509.Certificate]):  # type: ignore[no-untyped-def]
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    assert len(signatures) == 1, f"expected one signature, found {len(signatures)}"
    return signatures[0], ValidationContext(trust_roots=roots, allow_fetching=False)


def validate_seal(pdf: bytes, roots: list[asn1_x509.Certificate]) -> PdfSignatureStatus:
    """pyHanko's verdict on the file's one signature, trusting only `roots`."""
    signature, context = _one_signature(pdf, roots)
    return validate_pdf_signature(signature, context, ts_validation_context=context)


async def async_validate_seal(pdf: bytes, roots: list[asn1_x509.Certificate]) -> PdfSignatureStatus:
    """The same, from a test already running an event loop."""
    signature, context = _one_signature(pdf, roots)
    return await async_validate_pdf_signature(signature, context, ts_validation_context=context)


def pdfsig(pdf: bytes) -> str:
    """`pdfsig` on the file: what poppler-based readers make of its signatures."""
    assert shutil.which("pdfsig"), "pdfsig is missing: install poppler-utils (make test does)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sealed.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr
