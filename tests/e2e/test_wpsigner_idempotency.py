"""`Idempotency-Key` on the WPsigner surface's POSTs (docs/wpsigner.md): the inSigner API's rule,
with the WPsigner credential's organisation and WordPress error bodies."""

from __future__ import annotations

import uuid

import aiohttp
import asyncpg
import pytest

from shared.contracts.idempotency import HEADER, REPLAYED_HEADER
from tests.e2e.test_wpsigner_api import (  # noqa: F401  (fixtures)
    WpClient,
    WpGateway,
    assert_wp_error,
    make_wp,
    put_in_import,
    wp,
)
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e


async def documents_of(db: asyncpg.Pool, org_id: str) -> int:
    return await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", org_id)


def keyed(key: str) -> dict[str, str]:
    return {HEADER: key}


async def test_a_retried_create_makes_one_document(
    wp: WpClient,
    wp_gateway: WpGateway,
    db: asyncpg.Pool,
    make_wp,  # type: ignore[no-untyped-def]
) -> None:
    path = put_in_import(wp_gateway, f"{wp.org_id}/idem.pdf", make_pdf([LETTER], text="Idem"))
    body = {"title": "Once", "file_path": str(path)}
    key = f"wp-{uuid.uuid4()}"
    first = await wp.request("POST", "/documents", json=body, headers=keyed(key))
    again = await wp.request("POST", "/documents", json=body, headers=keyed(key))

    assert first.status == again.status == 201, (first.body, again.body)
    assert again.body == first.body and again.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first.headers
    assert "X-RateLimit-Remaining" in again.headers  # the retry's own window
    assert await documents_of(db, wp.org_id) == 1

    other_body = await wp.request("POST", "/documents", json={**body, "title": "Twice"}, headers=keyed(key))
    assert_wp_error(other_body, 422, "idempotency_key_mismatch")
    assert await documents_of(db, wp.org_id) == 1

    # Another organisation's use of the same key is its own.
    other = await make_wp()
    elsewhere = put_in_import(wp_gateway, f"{other.org_id}/idem.pdf", make_pdf([LETTER], text="Idem"))
    theirs = await other.request("POST", "/documents", json={**body, "file_path": str(elsewhere)}, headers=keyed(key))
    assert theirs.status == 201 and REPLAYED_HEADER not in theirs.headers
    assert await documents_of(db, other.org_id) == 1


async def test_the_handlers_refusals_are_replayed_and_malformed_keys_refused(wp: WpClient, db: asyncpg.Pool) -> None:
    key = f"wp-{uuid.uuid4()}"
    missing = await wp.request("POST", "/documents", json={"title": "No file"}, headers=keyed(key))
    replayed = await wp.request("POST", "/documents", json={"title": "No file"}, headers=keyed(key))
    assert missing.status == replayed.status and missing.body == replayed.body
    assert 400 <= missing.status < 500 and replayed.headers[REPLAYED_HEADER] == "true"

    malformed = await wp.request("POST", "/documents", json={"title": "x"}, headers=keyed("x" * 256))
    assert_wp_error(malformed, 400, "invalid_idempotency_key")
    assert await documents_of(db, wp.org_id) == 0


async def test_a_multipart_upload_with_a_key_is_refused_before_anything_is_made(wp: WpClient, db: asyncpg.Pool) -> None:
    form = aiohttp.FormData()
    form.add_field("title", "Uploaded")
    form.add_field("file", make_pdf([LETTER]), filename="up.pdf", content_type="application/pdf")
    refused = await wp.request("POST", "/documents", data=form, headers=keyed(f"wp-{uuid.uuid4()}"))
    assert_wp_error(refused, 400, "idempotency_key_unsupported")
    assert await documents_of(db, wp.org_id) == 0
