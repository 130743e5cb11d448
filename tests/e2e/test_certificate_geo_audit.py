"""The certificate of completion places every participant event (city, country from the GeoIP
database, "Location unknown" without one) and prints the audit chain's head when the document
completed: the hash of the very entry the audit API shows at that position, in a chain that
verifies. A build whose events the audit service has not recorded yet waits, then fails and is
retried: the document stays pending and no file is shipped without the head (docs/signed-pdf.md)."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from pypdf import PdfReader

from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.seal_setup import flow_on, own_system, sign_typed
from tests.e2e.test_audit_api import proxied_gateway_url  # noqa: F401  (a fixture)
from tests.e2e.test_certificate_of_completion import text_of
from tests.e2e.test_signing_flow import BROWSER, Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.email_peers import eventually
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf
from tests.spec_check import Conformance

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
LISBON = "198.51.100.7"  # in the test GeoIP database (deploy/geoip/test-city.mmdb): Lisbon, PT
HEAD = re.compile(
    r"(\d+) entr(?:y|ies) up to completion; the hash of entry \d+, the chain's head then: ?([0-9a-f ]{64,80})"
)


async def sign_from(flow: Flow, ip: str, doc_id: str, signer_id: str, name: str) -> None:
    """The signer opens the document and signs from `ip` (behind a proxy the gateway trusts)."""
    token = await flow.link(signer_id)
    forwarded = {"X-Forwarded-For": ip}
    await flow.as_signer("GET", "", 200, token, headers=forwarded)
    await sign_typed(flow, doc_id, token, name, headers=forwarded)


async def certificate_text(flow: Flow, doc_id: str) -> str:
    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    reader = PdfReader(io.BytesIO(signed))
    return text_of(reader.pages[-1:])


def printed_head(text: str) -> tuple[int, str]:
    found = HEAD.search(text)
    assert found, text
    return int(found.group(1)), "".join(found.group(2).split())[:64]


async def test_events_are_placed_and_the_printed_audit_head_is_the_trails(
    flow: Flow,
    proxied_gateway_url: str,  # noqa: F811
) -> None:
    flow.signing = Api(flow.http, proxied_gateway_url, None)  # signers reach us through a trusted proxy
    doc_id, ids = await flow.draft(
        signers=[{"email": "lis@example.com", "name": "Lis Boa"}],
        fields=[signature(0)],
        pdf=make_pdf([LETTER], text="Placed on the map"),
    )
    await flow.send(doc_id)
    await sign_from(flow, LISBON, doc_id, ids["lis@example.com"], "Lis Boa")
    await flow.complete(doc_id)
    text = await certificate_text(flow, doc_id)

    # Opened and signed from Lisbon: the participant block and both events say so. The invitation
    # went out on the sender's API call, from this machine: a local address has no place.
    assert text.count("Lisbon, PT") == 3, text
    assert "Invitation emailed 127.0.0.1 Location unknown" in text, text
    assert "198.51.100.7 (Lisbon, PT)" in text  # the participant's last address, placed

    entries, head = printed_head(text)
    status, trail, _ = await flow.api.request("GET", f"{D}/{doc_id}/audit", params={"limit": 100})
    assert status == 200
    by_position = {entry["position"]: entry for entry in trail["data"]}
    assert by_position[entries]["hash"] == head
    # Every event the documents service emitted before completion is in entries 1..N.
    before = await flow.db.fetch(
        """SELECT event_id FROM documents.outbox WHERE body->>'documentId' = $1 AND seq < (
               SELECT seq FROM documents.outbox WHERE body->>'documentId' = $1 AND event_type = 'document.completed')""",
        doc_id,
    )
    positions = await flow.db.fetch(
        "SELECT position FROM audit.entries WHERE event_id = ANY($1::uuid[])", [r["event_id"] for r in before]
    )
    assert len(positions) == len(before) and max(r["position"] for r in positions) <= entries
    status, verified, _ = await flow.api.request("GET", f"{D}/{doc_id}/audit/verify")
    assert status == 200 and verified["valid"] is True and verified["entries"] >= entries


# --- a system whose audit lags and which has no GeoIP database ----------------------------------


@pytest.fixture(scope="module")
async def lagging_system(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with own_system(
        settings,
        "seal_lag",
        audit_head_wait_seconds=0.3,
        geoip_db_path=Path(tmp_path_factory.mktemp("nogeo")) / "missing.mmdb",
        trusted_proxies=["127.0.0.1"],
    ) as system:
        yield system


@pytest.fixture
async def lagging_flow(
    lagging_system: System, conformance: Conformance, http: aiohttp.ClientSession
) -> AsyncIterator[Flow]:
    async with flow_on(lagging_system, "Lagging audit org", conformance, http) as flow:
        yield flow


async def hold_back_an_event(db: asyncpg.Pool, doc_id: str) -> uuid.UUID:
    """An event of the document that the relay will not publish (marked published): to the audit
    service it has not arrived yet, as when its consumer lags."""
    body = await db.fetchval(
        "SELECT body FROM documents.outbox WHERE body->>'documentId' = $1 AND event_type = 'document.sent'", doc_id
    )
    event = dict(body) | {"id": str(uuid.uuid4())}  # the pool's codec reads and writes jsonb as Python values
    await db.execute(
        "INSERT INTO documents.outbox (event_id, event_type, body, published_at) VALUES ($1, $2, $3, now())",
        uuid.UUID(event["id"]),
        event["type"],
        event,
    )
    return uuid.UUID(event["id"])


async def test_completion_waits_for_the_audit_trail_and_a_missing_geoip_database_is_location_unknown(
    lagging_flow: Flow,
) -> None:
    flow = lagging_flow
    doc_id, ids = await flow.draft(
        signers=[{"email": "wait@example.com", "name": "Wai Ting"}],
        fields=[signature(0)],
        pdf=make_pdf([LETTER], text="Wait for the trail"),
    )
    await flow.send(doc_id)
    held = await hold_back_an_event(flow.db, doc_id)
    await sign_from(flow, LISBON, doc_id, ids["wait@example.com"], "Wai Ting")

    # The worker woke on the signature and asked the audit service, which lacks one event.
    async def failed() -> str | None:
        return await flow.db.fetchval("SELECT completion_error FROM documents.documents WHERE id = $1", doc_id)

    error = await eventually(failed, "a failed completion attempt")
    assert "AuditChainBehind" in error and "not in the audit trail yet" in error
    row = await flow.db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert row["status"] == "pending" and row["signed_file_key"] is None and row["signed_file_hash"] is None
    assert "document.completed" not in await flow.event_types(doc_id)

    # The event arrives (the relay publishes it, the audit service records it); once the failed
    # attempt's lease is over, the next pass completes with a head that covers it.
    await flow.db.execute("UPDATE documents.outbox SET published_at = NULL WHERE event_id = $1", held)

    async def recorded() -> int | None:
        return await flow.db.fetchval("SELECT position FROM audit.entries WHERE event_id = $1", held)

    held_position = await eventually(recorded, "the held-back event in the audit trail")
    await flow.db.execute(
        "UPDATE documents.documents SET completion_lease_expires_at = now() - interval '1 hour' WHERE id = $1", doc_id
    )
    completed = await flow.complete(doc_id)
    text = await certificate_text(flow, doc_id)
    entries, head = printed_head(text)
    assert held_position <= entries
    assert head == await flow.db.fetchval(
        "SELECT hash FROM audit.entries WHERE document_id = $1 AND position = $2", doc_id, entries
    )
    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert hashlib.sha256(signed).hexdigest() == completed["signedFileHash"]

    # No GeoIP database in this system: the address is printed, its place is "unknown", and
    # nothing failed because of it.
    assert LISBON in text and "Location unknown" in text and "Lisbon" not in text
    assert BROWSER.split()[0] in text
