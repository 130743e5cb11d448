"""Control characters in texts, through the gateway: a refused create or edit names the field and
leaves nothing created or changed; messages keep their lines (CRLF stored as LF)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.conftest import Api
from tests.e2e.test_documents_api import PROBLEM, D, create_document, org_writes
from tests.e2e.test_wpsigner_api import (  # noqa: F401  (make_wp, wp: fixtures)
    WpClient,
    WpGateway,
    assert_wp_error,
    make_wp,
    put_in_import,
    wp,
)
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e

HEADER_INJECTION = "NDA\r\nBcc: everyone@example.com"
FIELD = {"type": "text", "page": 1, "x": 100, "y": 100, "width": 200, "height": 30}


def assert_refused(status: int, body: Any, resp: Any, field: str) -> None:
    assert status == 422, body
    assert resp.headers["Content-Type"].startswith(PROBLEM)
    assert body["type"] == "https://docs.insigner.com/errors/validation-error"
    assert [e["field"] for e in body["errors"]] == [field], body
    assert "control characters" in body["errors"][0]["message"]


async def test_a_document_named_across_lines_is_not_created(api: Api, db: asyncpg.Pool) -> None:
    before = await org_writes(db, api.org_id)
    for field, body in (
        ("name", {"name": HEADER_INJECTION}),
        ("emailSubject", {"name": "NDA", "emailSubject": "Sign\nnow"}),
        ("folderId", {"name": "NDA", "folderId": "f\x00"}),
        ("message", {"name": "NDA", "message": "Hello\x1b[2J"}),
    ):
        assert_refused(*await api.request("POST", D, json=body), field)
    assert await org_writes(db, api.org_id) == before == (0, 0, 0, 0)


async def test_a_refused_edit_changes_nothing_and_a_message_keeps_its_lines(api: Api, db: asyncpg.Pool) -> None:
    document = await create_document(api, "NDA")
    before = await org_writes(db, api.org_id)
    for field, value in (("name", "NDA\u2028Secret"), ("emailSubject", "a\rb"), ("name", "NDA\n")):
        assert_refused(*await api.request("PATCH", f"{D}/{document['id']}", json={field: value}), field)
    status, detail, _ = await api.request("GET", f"{D}/{document['id']}")
    assert status == 200 and detail["data"]["name"] == "NDA" and detail["data"]["emailSubject"] is None
    assert await org_writes(db, api.org_id) == before  # no document.updated event either

    status, body, _ = await api.request(
        "PATCH", f"{D}/{document['id']}", json={"message": "Dear Bob,\r\nplease sign.\n"}
    )
    assert status == 200, body
    assert body["data"]["message"] == "Dear Bob,\nplease sign.\n"


async def test_signers_fields_and_filenames_refuse_control_characters(api: Api, db: asyncpg.Pool) -> None:
    document = await create_document(api, "NDA")
    doc = f"{D}/{document['id']}"
    before = await org_writes(db, api.org_id)
    assert_refused(
        *await api.request("POST", doc + "/signers", json={"email": "bob@example.com", "name": "Bob\nSmith"}), "name"
    )
    assert_refused(
        *await api.request(
            "POST", doc + "/signers", json={"email": "bob@example.com\r\nBcc: x@example.com", "name": "Bob"}
        ),
        "email",
    )
    assert_refused(*await api.request("POST", doc + "/fields", json={**FIELD, "label": "Company\tname"}), "label")
    assert_refused(*await api.request("POST", doc + "/upload", json={"filename": "nda\r\n.pdf"}), "filename")
    assert await org_writes(db, api.org_id) == before
    file_name = await db.fetchval("SELECT file_name FROM documents.documents WHERE id = $1", document["id"])
    assert file_name is None  # no upload was started

    status, signer, _ = await api.request("POST", doc + "/signers", json={"email": "bob@example.com", "name": "Bob"})
    assert status == 201, signer
    status, body, resp = await api.request("PATCH", f"{doc}/signers/{signer['data']['id']}", json={"name": "Bob\x85"})
    assert_refused(status, body, resp, "name")
    assert (await api.request("GET", doc + "/signers"))[1]["data"][0]["name"] == "Bob"


async def test_a_webhook_description_on_two_lines_is_not_created(api: Api) -> None:
    hook = {"url": "https://example.com/hooks", "events": ["document.completed"], "description": "CRM\nsync"}
    assert_refused(*await api.request("POST", "/api/v1/webhooks", json=hook), "description")
    status, listed, _ = await api.request("GET", "/api/v1/webhooks")
    assert status == 200 and listed["data"] == []


async def test_wpsigner_titles_are_refused_in_its_own_error_shape(
    wp: WpClient, wp_gateway: WpGateway, db: asyncpg.Pool
) -> None:
    path = put_in_import(wp_gateway, f"{wp.org_id}/nda.pdf", make_pdf([LETTER]))
    reply = await wp.request("POST", "/documents", json={"title": HEADER_INJECTION, "file_path": str(path)})
    assert_wp_error(reply, 400, "rest_invalid_param")
    assert "title" in reply.body["message"]
    count = await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", wp.org_id)
    assert count == 0
