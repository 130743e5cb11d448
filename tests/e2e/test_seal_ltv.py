"""With SEAL_CRL_URL (what `make run` sets for its development CA), a completed document's seal is
PAdES B-LT: the organisation's certificate names the CRL, the downloaded file carries it with the
chain, the seal validates offline with revocation checking, and POST /api/v1/verify knows it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from shared.settings import Settings
from tests.e2e.seal_setup import flow_on, own_system
from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import Flow
from tests.e2e.test_verify_api import anonymous, form
from tests.harness import System
from tests.peers import Peers
from tests.spec_check import Conformance

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def ltv_system(settings: Settings, peers: Peers) -> AsyncIterator[System]:
    async with own_system(settings, "seal_ltv", seal_crl_url=peers.crl_url) as system:
        yield system


@pytest.fixture
async def ltv_flow(ltv_system: System, conformance: Conformance, http: aiohttp.ClientSession) -> AsyncIterator[Flow]:
    async with flow_on(ltv_system, "B-LT org", conformance, http) as flow:
        yield flow


async def test_a_completed_document_is_sealed_b_lt(ltv_flow: Flow, peers: Peers) -> None:
    flow = ltv_flow
    _, completed, _, signed = await complete_one_document(flow, "Long-term validation")

    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    carried = [ref.get_object().data for ref in reader.root["/DSS"]["/CRLs"]]
    assert carried
    roots = list(load_certs_from_pemder_data(peers.pki.ca_cert.read_bytes()))
    offline = ValidationContext(trust_roots=roots, crls=carried, allow_fetching=False, revocation_mode="hard-fail")
    status = await async_validate_pdf_signature(reader.embedded_signatures[0], offline)
    assert status.bottom_line and status.timestamp_validity is not None and status.timestamp_validity.valid
    assert status.signing_cert.subject.native["organization_name"] == flow.api.org_id

    result = await flow.call(anonymous(flow), "POST", "/api/v1/verify", 200, data=form(signed))
    assert result["verdict"] == "authentic" and result["seal"]["coversWholeFile"] is True
    assert result["fileSha256"] == completed["signedFileHash"]
