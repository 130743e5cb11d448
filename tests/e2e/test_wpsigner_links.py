"""Links that carry a credential of their own — a signer's `signing_url` (it signs) and the
presigned URL of GET /documents/{id}/file (it reads the file without a key) — go to Full Access
credentials only, as the seed shows them; a Read Only credential never sees one (docs/wpsigner.md).
"""

from __future__ import annotations

import aiohttp
import asyncpg
import orjson
import pytest

from tests.e2e.test_wpsigner_api import (  # noqa: F401  (fixtures)
    WpClient,
    WpGateway,
    WpReply,
    assert_wp_error,
    make_wp,
    prepared_document,
)
from tests.harness import System

pytestmark = pytest.mark.e2e

PRESIGNED_MARKS = ("X-Amz-Signature", "X-Amz-Credential", "Signature=")


def everything_in(reply: WpReply) -> str:
    """The whole answer a client could read: the JSON body and every header."""
    return orjson.dumps(reply.body).decode() + "\n" + "\n".join(f"{k}: {v}" for k, v in reply.headers.items())


async def downloads(db: asyncpg.Pool, core_id: str) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM documents.outbox WHERE event_type = 'document.downloaded' AND body->>'documentId' = $1",
        core_id,
    )


async def read_everything(client: WpClient, document_id: str) -> dict[str, WpReply]:
    paths = (
        "/documents",
        f"/documents/{document_id}",
        f"/documents/{document_id}/signers",
        f"/documents/{document_id}/fields",
        f"/documents/{document_id}/audit",
        f"/documents/{document_id}/file",
    )
    return {path: await client.request("GET", path) for path in paths}


async def test_full_access_sees_the_live_links_and_read_only_none(
    make_wp,
    wp_gateway: WpGateway,
    system: System,
    db: asyncpg.Pool,  # type: ignore[no-untyped-def]
    http: aiohttp.ClientSession,
) -> None:
    full: WpClient = await make_wp()
    reader: WpClient = await make_wp(org=full.org_name, read_only=True)
    document_id, _ = await prepared_document(full, wp_gateway, "Lease")
    assert (await full.request("POST", f"/documents/{document_id}/send")).status == 200
    core_id = await db.fetchval("SELECT id FROM documents.documents WHERE number = $1", int(document_id))

    # Full Access: the signer's live link, as the seed shows it, and a working download URL.
    [signer] = (await full.request("GET", f"/documents/{document_id}/signers")).body
    url: str = signer["signing_url"]
    assert url.startswith(system.settings.public_url + "/sign/")
    token = url.rsplit("/", 1)[1]
    async with http.get(f"{wp_gateway.url}/api/v1/signing/{token}") as resp:
        assert resp.status == 200  # the link is live: it opens the signing session
    link = (await full.request("GET", f"/documents/{document_id}/file")).body
    assert any(mark in link["url"] for mark in PRESIGNED_MARKS)
    async with http.get(link["url"]) as resp:
        assert resp.status == 200 and (await resp.read()).startswith(b"%PDF")
    issued = await downloads(db, core_id)
    assert issued == 1

    # Read Only: every answer it can get, searched whole, holds neither link nor any presigned URL.
    answers = await read_everything(reader, document_id)
    for path, reply in answers.items():
        text = everything_in(reply)
        assert token not in text and "/sign/" not in text, path
        assert not any(mark in text for mark in PRESIGNED_MARKS), path
    listed = answers[f"/documents/{document_id}/signers"]
    assert listed.status == 200
    assert [s["signing_url"] for s in listed.body] == [""]  # present, as the string the seed types it
    assert list(listed.body[0]) == list(signer)  # the same shape as a full key's
    assert {k: listed.body[0][k] for k in ("id", "name", "email", "role")} == {
        k: signer[k] for k in ("id", "name", "email", "role")
    }
    assert answers[f"/documents/{document_id}"].status == 200
    refused = answers[f"/documents/{document_id}/file"]
    assert_wp_error(refused, 403, "rest_forbidden")
    assert "Full Access" in refused.body["message"]
    # Refused before anything was issued: no download URL was made, so none was recorded.
    assert await downloads(db, core_id) == issued


async def test_read_only_still_gets_not_found_for_an_unknown_document_file(make_wp) -> None:  # type: ignore[no-untyped-def]
    reader: WpClient = await make_wp(read_only=True)
    assert_wp_error(await reader.request("GET", "/documents/999999999/file"), 404, "not_found")
