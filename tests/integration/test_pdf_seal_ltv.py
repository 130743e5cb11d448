"""PAdES B-LT (docs/signed-pdf.md, "PAdES levels"): a certificate that names the CA's CRL
(SEAL_CRL_URL) is sealed with its chain and that CRL in the file's DSS, inside the sealed revision,
so the seal still covers the whole file and validates with revocation checking and nothing
fetched; a CRL that cannot be fetched, or is not the CA's, fails instead of a weaker seal."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import pytest
from cryptography import x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from services.documents.adapters.sealing.authority import CertificateAuthority, new_authority
from services.documents.adapters.sealing.revocation import CrlUnavailable, fetch_crl
from services.documents.adapters.sealing.seal import SealIdentity, seal_pdf
from services.documents.adapters.sealing.seal_worker import check
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers, free_port
from tests.seal_checks import pdfsig


@pytest.fixture(scope="module")
def ca(peers: Peers) -> CertificateAuthority:
    return CertificateAuthority.from_pem(peers.pki.ca_cert.read_bytes(), peers.pki.ca_key.read_bytes())


async def test_a_b_lt_seal_carries_what_validating_it_needs(peers: Peers, ca: CertificateAuthority) -> None:
    issued = ca.issue_seal_certificate("org_ltv", datetime.now(UTC), 30, peers.crl_url)
    identity = SealIdentity(issued.key_pem, [issued.cert_pem, ca.cert_pem])
    cert = x509.load_pem_x509_certificate(issued.cert_pem)
    [point] = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert point.full_name is not None and point.full_name[0].value == peers.crl_url

    crl = await fetch_crl(peers.crl_url, ca.cert, 5)
    # (in a thread, as the completion worker does: pyHanko's sync API runs its own event loop)
    sealed = await asyncio.to_thread(seal_pdf, make_pdf([LETTER]), identity, HTTPTimeStamper(peers.tsa_url), [crl])

    reader = PdfFileReader(io.BytesIO(sealed), strict=False)
    dss = reader.root["/DSS"]
    assert [ref.get_object().data for ref in dss["/CRLs"]] == [crl]
    assert len(dss["/Certs"]) >= 2  # the organisation's certificate and the CA
    # Revocation checked, nothing fetched: only what the file carries.
    roots = list(load_certs_from_pemder_data(ca.cert_pem))
    carried = [ref.get_object().data for ref in dss["/CRLs"]]
    offline = ValidationContext(trust_roots=roots, crls=carried, allow_fetching=False, revocation_mode="hard-fail")
    status = await async_validate_pdf_signature(reader.embedded_signatures[0], offline)
    assert status.bottom_line and status.docmdp_ok
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # the DSS is inside the sealed revision
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    # What POST /api/v1/verify's checker and poppler make of it: one seal over the whole file.
    report = await asyncio.to_thread(check, sealed, ca.cert_pem)
    assert report.intact and report.trusted and report.coverage == "file"
    assert "Total document signed" in pdfsig(sealed)


async def test_a_crl_that_is_unreachable_or_not_the_cas_is_refused(peers: Peers, ca: CertificateAuthority) -> None:
    with pytest.raises(CrlUnavailable, match="did not answer"):
        await fetch_crl(f"http://127.0.0.1:{free_port()}/crl", ca.cert, 2)
    stranger = CertificateAuthority.from_pem(*(lambda i: (i.cert_pem, i.key_pem))(new_authority("Someone else")))
    with pytest.raises(CrlUnavailable, match="not signed by the seal CA"):
        await fetch_crl(peers.crl_url, stranger.cert, 2)
    with pytest.raises(CrlUnavailable, match="answered 404"):
        await fetch_crl(peers.tsa_url + "nothing-here", ca.cert, 2)
