"""The seal on its own (services/documents/sealing): a real CA, a real RFC 3161 TSA over HTTP
(the development one the tests run), and verdicts from pyHanko's validator and poppler's pdfsig."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation.status import SignatureCoverageLevel

from services.documents.adapters.sealing.authority import AuthorityError, CertificateAuthority, new_authority
from services.documents.adapters.sealing.seal import SEAL_FIELD, SealIdentity, reserved_size, seal_file, seal_pdf
from services.documents.adapters.sealing.timestamper import ReusedTimeStamper
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers, free_port
from tests.seal_checks import issued_identity, pdfsig, peers_authority, trust_roots, validate_seal


@pytest.fixture(scope="module")
def ca(peers: Peers) -> CertificateAuthority:
    return peers_authority(peers)


@pytest.fixture(scope="module")
def identity(ca: CertificateAuthority) -> SealIdentity:
    return issued_identity(ca, "org_test_seal")


def test_a_seal_without_a_tsa_is_a_valid_certification_over_the_whole_file(
    ca: CertificateAuthority, identity: SealIdentity
) -> None:
    original = make_pdf([LETTER, LETTER], text="Sealed agreement")
    sealed = seal_pdf(original, identity)

    assert sealed.startswith(original)  # an incremental update: the built file is the prefix
    status = validate_seal(sealed, trust_roots(ca.cert_pem))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok is not False and status.signing_cert.subject.native["organization_name"] == "org_test_seal"
    assert status.timestamp_validity is None  # B-B: no timestamp token
    signature = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_signatures[0]
    assert signature.field_name == SEAL_FIELD and signature.docmdp_level == MDPPerm.NO_CHANGES
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    # Invisible: the signature field has no area on any page.
    widget_rect = [float(v) for v in signature.sig_field.get("/Rect", [0, 0, 0, 0])]
    assert widget_rect == [0, 0, 0, 0]


def test_a_seal_with_a_tsa_carries_a_valid_timestamp(
    peers: Peers, ca: CertificateAuthority, identity: SealIdentity
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    sealed = seal_pdf(make_pdf([LETTER]), identity, HTTPTimeStamper(peers.tsa_url))

    status = validate_seal(sealed, trust_roots(ca.cert_pem))
    assert status.bottom_line and status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid and status.timestamp_validity.trusted
    assert status.timestamp_validity.timestamp >= before


def test_poppler_lists_the_seal(peers: Peers, identity: SealIdentity) -> None:
    report = pdfsig(seal_pdf(make_pdf([LETTER]), identity, HTTPTimeStamper(peers.tsa_url)))
    assert "Signature #1" in report and f"Signature Field Name: {SEAL_FIELD}" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signature Validation: Signature is Valid." in report and "Total document signed" in report


def test_one_changed_byte_is_caught(ca: CertificateAuthority, identity: SealIdentity) -> None:
    original = make_pdf([LETTER])
    sealed = bytearray(seal_pdf(original, identity))
    at = bytes(sealed).index(b"612")  # the page width, in the signed part: a 612 pt page becomes 912
    sealed[at : at + 1] = b"9"

    status = validate_seal(bytes(sealed), trust_roots(ca.cert_pem))
    assert not status.intact and not status.bottom_line
    assert "Signature is Invalid" in pdfsig(bytes(sealed)) or "Digest Mismatch" in pdfsig(bytes(sealed))


def test_an_unrelated_root_does_not_trust_the_seal(identity: SealIdentity) -> None:
    stranger = new_authority("Someone else's CA")
    status = validate_seal(seal_pdf(make_pdf([LETTER]), identity), trust_roots(stranger.cert_pem))
    assert status.intact and not status.trusted and not status.bottom_line


def test_an_unreachable_tsa_fails_the_seal_instead_of_skipping_the_timestamp(identity: SealIdentity) -> None:
    dead = HTTPTimeStamper(f"http://127.0.0.1:{free_port()}/", timeout=2)
    with pytest.raises(Exception) as raised:
        seal_pdf(make_pdf([LETTER]), identity, dead)
    assert not isinstance(raised.value, AssertionError)


def test_the_ca_files_must_fit_together(ca: CertificateAuthority) -> None:
    other = new_authority("Another CA")
    with pytest.raises(AuthorityError, match="does not belong"):
        CertificateAuthority.from_pem(ca.cert_pem, other.key_pem)
    leaf = ca.issue_seal_certificate("org_x", datetime.now(UTC), 1)
    with pytest.raises(AuthorityError, match="not a CA certificate"):
        CertificateAuthority.from_pem(leaf.cert_pem, leaf.key_pem)
    with pytest.raises(AuthorityError, match="not a PEM X.509"):
        CertificateAuthority.from_pem(b"junk", other.key_pem)


def test_issued_certificates_are_fresh_keys_for_document_signing(ca: CertificateAuthority) -> None:
    from cryptography import x509

    now = datetime.now(UTC)
    first = ca.issue_seal_certificate("org_a", now, 825)
    second = ca.issue_seal_certificate("org_a", now, 825)
    assert first.key_pem != second.key_pem
    cert = x509.load_pem_x509_certificate(first.cert_pem)
    assert cert.issuer == ca.cert.subject
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.not_valid_after_utc <= ca.cert.not_valid_after_utc
    assert hashlib.sha256(first.cert_pem).digest() != hashlib.sha256(second.cert_pem).digest()


def test_a_seal_takes_the_placeholder_size_it_is_given_and_still_verifies(
    tmp_path, peers: Peers, ca: CertificateAuthority, identity: SealIdentity
) -> None:  # type: ignore[no-untyped-def]
    # The Sealer sizes an identity's first seal with pyHanko's dry run, then hands that size
    # (read back by reserved_size) to later seals: the size given must be the one used.
    stamper = ReusedTimeStamper(peers.tsa_url, 5)
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    first.write_bytes(make_pdf([LETTER], text="first"))
    second.write_bytes(make_pdf([LETTER], text="second"))
    seal_file(first, tmp_path / "first-sealed.pdf", identity, stamper)
    measured = reserved_size(tmp_path / "first-sealed.pdf")
    assert measured > 0

    seal_file(second, tmp_path / "second-sealed.pdf", identity, stamper, bytes_reserved=measured + 2000)

    assert reserved_size(tmp_path / "second-sealed.pdf") == measured + 2000
    status = validate_seal((tmp_path / "second-sealed.pdf").read_bytes(), trust_roots(ca.cert_pem))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
