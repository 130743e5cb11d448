"""A document prepared and sent through the WPsigner API, signed through the signing API, reads
`completed` in both APIs; and the statuses in between (viewed, declined) read as WPsigner's.

The signer's token comes the way the notifier gets it: GET /internal/signers/{id}/signing-link
on the documents service (the core id of a WPsigner signer is looked up by its number).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.documents.commands.deps import DEPS
from services.documents.workers.completion import run_completion_pass
from services.gateway import credentials
from shared.callers import caller_headers
from shared.context import H_ORG
from tests.conftest import Api
from tests.e2e.test_wpsigner_api import (  # noqa: F401  (fixtures)
    TIMESTAMP,
    WpClient,
    WpGateway,
    assert_wp_error,
    make_wp,
    prepared_document,
    wait_for_audit,
    wp,
)
from tests.harness import System

pytestmark = pytest.mark.e2e

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) WpSignerTest/1.0"


async def token_of(system: System, http: aiohttp.ClientSession, db: asyncpg.Pool, signer_number: str) -> str:
    signer = await db.fetchrow(
        """SELECT s.id, d.org_id FROM documents.signers s
                                  JOIN documents.documents d ON d.id = s.document_id WHERE s.number = $1""",
        int(signer_number),
    )
    url = system.services["documents"].url + f"/internal/signers/{signer['id']}/signing-link"
    headers = caller_headers(system.settings.require_internal_secret(), "notifier") | {H_ORG: signer["org_id"]}
    async with http.get(url, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return (await resp.json())["data"]["url"].rsplit("/", 1)[1]


async def as_signer(http: aiohttp.ClientSession, gateway_url: str, method: str, path: str, json: Any = None) -> Any:
    async with http.request(
        method, f"{gateway_url}/api/v1/signing/{path}", json=json, headers={"User-Agent": BROWSER}
    ) as resp:
        body = await resp.json()
        assert resp.status == 200, body
        return body["data"]


async def test_prepared_and_sent_by_wpsigner_signed_by_the_signer_completed_in_both_apis(
    wp: WpClient, wp_gateway: WpGateway, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool
) -> None:
    document_id, signer_id = await prepared_document(wp, wp_gateway, "Employment Contract")
    sent = await wp.request("POST", f"/documents/{document_id}/send")
    assert sent.body == {"sent": True, "message": "Document sent successfully."}

    token = await token_of(system, http, db, signer_id)
    listed = await wp.request("GET", f"/documents/{document_id}/signers")
    assert listed.body[0]["signing_url"].endswith("/" + token)  # the same link the notifier emails

    session = await as_signer(http, wp_gateway.url, "GET", token)
    viewed = (await wp.request("GET", f"/documents/{document_id}")).body
    assert viewed["status"] == "viewed" and viewed["signers"][0]["status"] == "viewed"
    assert TIMESTAMP.match(viewed["signers"][0]["viewed_at"])
    by_status = await wp.request("GET", "/documents", params={"status": "viewed"})
    assert [d["id"] for d in by_status.body] == [document_id]
    assert (await wp.request("GET", "/documents", params={"status": "sent"})).body == []

    [field] = session["fields"]
    signed = await as_signer(
        http,
        wp_gateway.url,
        "POST",
        f"{token}/sign",
        json={"consent": True, "fields": [{"id": field["id"], "value": {"type": "typed", "text": "John Doe"}}]},
    )
    assert signed["finalizing"] is True

    await run_completion_pass(system.services["documents"].app[DEPS])
    for _ in range(300):
        detail = (await wp.request("GET", f"/documents/{document_id}")).body
        if detail["status"] == "completed":
            break
        await asyncio.sleep(0.1)
    assert detail["status"] == "completed" and TIMESTAMP.match(detail["completed_at"])
    [signer] = detail["signers"]
    assert signer["status"] == "signed" and TIMESTAMP.match(signer["signed_at"])
    assert detail["fields"][0]["signer_id"] == signer_id
    fields = (await wp.request("GET", f"/documents/{document_id}/fields")).body
    assert fields[0]["value"] == "John Doe"
    completed = await wp.request("GET", "/documents", params={"status": "completed"})
    assert [d["id"] for d in completed.body] == [document_id]

    async with db.acquire() as conn:
        key = await credentials.create_insigner_key(conn, wp.org_name, ["*"], "inSigner")
    insigner = Api(http, system.gateway_url, key.api_key, key.org_id)
    core_id = await db.fetchval("SELECT id FROM documents.documents WHERE number = $1", int(document_id))
    status, body, _ = await insigner.request("GET", f"/api/v1/documents/{core_id}")
    assert status == 200 and body["data"]["status"] == "completed"
    assert body["data"]["signers"][0]["status"] == "completed"

    # The signed PDF is what the file endpoint hands out now.
    link = (await wp.request("GET", f"/documents/{document_id}/file")).body
    assert link["filename"] == "Employment Contract - Signed.pdf"
    async with http.get(link["url"]) as resp:
        assert resp.status == 200 and (await resp.read()).startswith(b"%PDF")

    await wait_for_audit(db, core_id, "document.completed")
    trail = (await wp.request("GET", f"/documents/{document_id}/audit")).body
    events = {e["action"]: e for e in trail["events"]}
    for action in ("document_created", "document_sent", "document_viewed", "document_signed", "document_completed"):
        assert action in events, [e["action"] for e in trail["events"]]
    assert events["document_viewed"]["signer"] == "John Doe" and events["document_signed"]["signer"] == "John Doe"
    assert events["document_signed"]["user_agent"] == BROWSER
    assert "signer" not in events["document_created"]
    # Completed is final: no status can be requested back.
    back = await wp.request("PUT", f"/documents/{document_id}", json={"status": "draft"})
    assert_wp_error(back, 409, "invalid_status_transition")


async def test_a_decline_reads_declined_with_the_reason(
    wp: WpClient, wp_gateway: WpGateway, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool
) -> None:
    document_id, signer_id = await prepared_document(wp, wp_gateway, "NDA Agreement")
    await wp.request("POST", f"/documents/{document_id}/send")
    token = await token_of(system, http, db, signer_id)
    await as_signer(http, wp_gateway.url, "POST", f"{token}/decline", json={"reason": "Wrong salary"})
    detail = (await wp.request("GET", f"/documents/{document_id}")).body
    assert detail["status"] == "declined"
    [signer] = detail["signers"]
    assert signer["status"] == "declined" and signer["decline_reason"] == "Wrong salary"
    assert TIMESTAMP.match(signer["declined_at"])
    listed = await wp.request("GET", "/documents", params={"status": "declined"})
    assert [d["id"] for d in listed.body] == [document_id]
    core_id = await db.fetchval("SELECT id FROM documents.documents WHERE number = $1", int(document_id))
    # Both entries: the audit consumer handles a document's events concurrently, so the status
    # change (document.declined) may be recorded before the signer's decline it follows.
    await wait_for_audit(db, core_id, "document.declined")
    await wait_for_audit(db, core_id, "signer.declined")
    actions = [e["action"] for e in (await wp.request("GET", f"/documents/{document_id}/audit")).body["events"]]
    assert actions.count("document_declined") == 1  # the signer's decline, not twice
    # A declined document may be deleted for good.
    assert (await wp.request("DELETE", f"/documents/{document_id}")).body == {"deleted": True}
