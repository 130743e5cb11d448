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

from services.gateway import credentials
from shared.db import create_pool
from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.test_sealed_pdf import complete_one_document
from tests.e2e.test_signing_flow import Flow
from tests.e2e.test_verify_api import anonymous, form
from tests.email_peers import own_settings
from tests.harness import System, reset_infrastructure, start_system
from tests.peers import Peers
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def ltv_system(settings: Settings, peers: Peers) -> AsyncIterator[System]:
    own = own_settings(settings, "seal_ltv", seal_crl_url=peers.crl_url)
    await reset_infrastructure(own)
    system = await start_system(own)
    yield system
    await system.stop()


@pytest.fixture
async def ltv_flow(ltv_system: System, conformance: Conformance, http: aiohttp.ClientSession) -> AsyncIterator[Flow]:
    pool = await create_pool(ltv_system.settings, min_size=1, max_size=2)
    async with pool.acquire() as conn:
        created = await credentials.create_insigner_key(conn, "B-LT org", ["*"], "test key")
    yield Flow(
        Driver(conformance), Api(http, ltv_system.gateway_url, created.api_key, created.org_id), ltv_system, http, pool
    )
    await pool.close()


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
