"""A TSA that does not answer never yields an unsealed or untimestamped file: completion fails,
the document stays pending with the error recorded, and the next pass after the lease seals it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from services.devstack.tsa_server import start_tsa
from shared.settings import Settings
from tests.e2e.seal_setup import flow_on, own_system, sign_typed
from tests.e2e.test_signing_flow import Flow, signature
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers, free_port
from tests.seal_checks import async_validate_seal, seal_ca_roots
from tests.spec_check import Conformance

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tsa_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
async def tsa_down_system(settings: Settings, tsa_port: int) -> AsyncIterator[System]:
    async with own_system(
        settings, "seal_tsa", tsa_url=f"http://127.0.0.1:{tsa_port}/", tsa_timeout_seconds=2
    ) as system:
        yield system


@pytest.fixture
async def own_flow(
    tsa_down_system: System, conformance: Conformance, http: aiohttp.ClientSession
) -> AsyncIterator[Flow]:
    async with flow_on(tsa_down_system, "TSA down org", conformance, http) as flow:
        yield flow


async def _wait_for(db: asyncpg.Pool, sql: str, *args: object) -> None:
    for _ in range(300):
        if await db.fetchval(sql, *args):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {sql}")


async def test_completion_waits_for_the_tsa_and_never_ships_an_unsealed_file(
    own_flow: Flow, peers: Peers, tsa_port: int
) -> None:
    flow = own_flow
    doc_id, ids = await flow.draft(
        signers=[{"email": "tess@example.com", "name": "Tess"}],
        fields=[signature(0)],
        pdf=make_pdf([LETTER], text="Timestamp me"),
    )
    await flow.send(doc_id)
    await sign_typed(flow, doc_id, await flow.link(ids["tess@example.com"]), "Tess")

    # The worker woke on the last signature and tried: the TSA is not there.
    await _wait_for(flow.db, "SELECT completion_error IS NOT NULL FROM documents.documents WHERE id = $1", doc_id)
    row = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert row["status"] == "pending" and row["signed_file_key"] is None and row["signed_file_hash"] is None
    assert "document.completed" not in await flow.event_types(doc_id)
    status, _, _ = await flow.api.request("GET", f"/api/v1/documents/{doc_id}/download")
    assert status == 200  # the original, as for any pending document: no signed file exists to hand out
    assert (await flow.document(doc_id))["status"] == "pending"

    # The TSA comes back; once the failed attempt's lease is over the next pass seals and completes.
    tsa = start_tsa("127.0.0.1", tsa_port, peers.pki.tsa_cert, peers.pki.tsa_key)
    try:
        await flow.db.execute(
            "UPDATE documents.documents SET completion_lease_expires_at = now() - interval '1 hour' WHERE id = $1",
            doc_id,
        )
        completed = await flow.complete(doc_id)
    finally:
        tsa.stop()
    status, signed, _ = await flow.api.request("GET", f"/api/v1/documents/{doc_id}/download")
    verdict = await async_validate_seal(signed, seal_ca_roots(flow.system.settings))
    assert completed["signedFileHash"] and verdict.bottom_line
    assert verdict.timestamp_validity is not None and verdict.timestamp_validity.valid
    row = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert row["completion_error"] is None and row["completion_attempts"] >= 2
