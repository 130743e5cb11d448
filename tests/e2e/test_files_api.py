"""Upload URLs, verification on GET and downloads, through the gateway, with real S3 (moto over
HTTP): the client PUTs straight to the presigned URL, as documents-api.txt shows."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.documents.adapters.storage import STORAGE
from tests import pdf_corpus as corpus
from tests.conftest import Api
from tests.file_uploads import PDF, new_draft, padded_pdf, pdf_bytes_pages, png, put, request_upload, s3_keys, upload
from tests.harness import System
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
UPLOAD = D + "/{id}/upload"
DOWNLOAD = D + "/{id}/download"
DETAIL = D + "/{id}"


@pytest.fixture
def call(conformance: Conformance) -> Driver:
    return Driver(conformance)


async def _events(db: asyncpg.Pool, doc_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT body FROM documents.outbox WHERE body->>'documentId' = $1 AND event_type = $2 ORDER BY seq",
        doc_id,
        event_type,
    )
    return [r["body"] for r in rows]


async def test_upload_put_and_the_detail_shows_the_verified_file(
    call: Driver, api: Api, db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    data = corpus.three_page_a4()
    doc_id = await new_draft(api, "NDA - Acme Corp")
    answer = await call(
        api,
        "POST",
        UPLOAD,
        200,
        id=doc_id,
        json={"filename": "contract.pdf", "contentType": PDF, "fileSize": len(data)},
    )
    sent = answer["data"]
    assert list(answer) == ["data"]
    assert list(sent) == ["uploadUrl", "fileKey", "expiresIn", "method", "headers"]
    assert (sent["expiresIn"], sent["method"]) == (600, "PUT")
    assert sent["headers"] == {"Content-Type": PDF, "Content-Length": str(len(data))}
    assert sent["fileKey"].startswith(f"documents/{api.org_id}/{doc_id}/original/")
    assert sent["fileKey"].endswith("/contract.pdf")

    before = await call(api, "GET", DETAIL, 200, id=doc_id)
    assert (before["data"]["fileSize"], before["data"]["documentHash"]) == (None, None)
    await put(http, sent, data)

    detail = (await call(api, "GET", DETAIL, 200, id=doc_id))["data"]
    assert detail["fileSize"] == len(data)
    assert detail["documentHash"] == hashlib.sha256(data).hexdigest()
    assert await db.fetchval("SELECT page_count FROM documents.documents WHERE id = $1", doc_id) == 3
    [event] = await _events(db, doc_id, "document.updated")
    assert event["data"] == {"name": "NDA - Acme Corp", "changes": ["file"]}


async def test_without_a_size_only_the_type_is_bound(call: Driver, api: Api) -> None:
    doc_id = await new_draft(api)
    answer = await call(api, "POST", UPLOAD, 200, id=doc_id, json={})
    assert answer["data"]["headers"] == {"Content-Type": PDF}
    assert answer["data"]["fileKey"].endswith("/document.pdf")


async def test_a_png_becomes_a_one_page_pdf(call: Driver, api: Api, http: aiohttp.ClientSession) -> None:
    doc_id = await new_draft(api, "Scanned form")
    await upload(api, http, doc_id, png((300, 500)), content_type="image/png", filename="form.png")
    detail = (await call(api, "GET", DETAIL, 200, id=doc_id))["data"]

    pdf = await call(api, "GET", DOWNLOAD, 200, id=doc_id)
    assert pdf.startswith(b"%PDF-")
    assert pdf_bytes_pages(pdf) == 1
    assert (detail["fileSize"], detail["documentHash"]) == (len(pdf), hashlib.sha256(pdf).hexdigest())


BAD = [
    ("size mismatch", corpus.one_page_letter, PDF, 10, "size_mismatch"),
    ("PNG declared as PDF", lambda: png(), PDF, None, "type_mismatch"),
    ("not a PDF", corpus.zip_archive, PDF, None, "not_a_pdf"),
    ("encrypted", corpus.encrypted, PDF, None, "encrypted"),
    ("truncated", corpus.truncated, PDF, None, "truncated"),
    ("decompression bomb", corpus.decompression_bomb, PDF, None, "resource_limit"),
]


@pytest.mark.parametrize(("label", "make", "content_type", "declared", "code"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_file_is_rejected_on_get_and_cannot_be_downloaded(
    call: Driver,
    api: Api,
    db: asyncpg.Pool,
    http: aiohttp.ClientSession,
    label: str,
    make: Any,
    content_type: str,
    declared: int | None,
    code: str,
) -> None:
    data = make()
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, data, content_type=content_type, declared_size=declared or len(data))

    detail = (await call(api, "GET", DETAIL, 200, id=doc_id))["data"]
    assert (detail["fileSize"], detail["documentHash"]) == (None, None)
    row = await db.fetchrow(
        "SELECT file_status, file_error_code, file_error FROM documents.documents WHERE id = $1", doc_id
    )
    assert (row["file_status"], row["file_error_code"]) == ("rejected", code), label

    problem = await call(api, "GET", DOWNLOAD, 409, id=doc_id)
    assert problem["type"].endswith("/file-invalid")
    assert row["file_error"] in problem["detail"] and f"({code})" in problem["detail"]
    assert problem["errors"][0]["field"] == "file"


async def test_download_streams_the_original_with_the_reference_headers(
    call: Driver, api: Api, db: asyncpg.Pool, http: aiohttp.ClientSession
) -> None:
    data = corpus.mixed_with_rotated()
    doc_id = await new_draft(api, "Sales Agreement Q3")
    await upload(api, http, doc_id, data)

    status, body, resp = await api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and body == data
    assert resp.headers["Content-Type"] == PDF
    assert resp.headers["Content-Disposition"] == 'attachment; filename="Sales Agreement Q3.pdf"'
    assert resp.headers["Content-Length"] == str(len(data))
    call.conformance.check("GET", DOWNLOAD, status, body, resp)
    [event] = await _events(db, doc_id, "document.downloaded")
    assert event["data"] == {"name": "Sales Agreement Q3", "signed": False}
    assert event["actor"]["type"] == "api_key"


async def test_a_completed_document_downloads_its_signed_pdf(
    api: Api, db: asyncpg.Pool, system: System, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api, "Contrato García")
    await upload(api, http, doc_id, corpus.one_page_letter())
    status, _, _ = await api.request("GET", f"{D}/{doc_id}")
    assert status == 200
    # Completion belongs to the signing lifecycle; set up its result directly.
    signed = corpus.three_page_a4()
    key = f"documents/{api.org_id}/{doc_id}/signed/Contrato_Garcia.pdf"
    await system.services["documents"].app[STORAGE].put_bytes(key, signed, PDF)
    await db.execute(
        "UPDATE documents.documents SET status = 'completed', completed_at = now(), signed_file_key = $2, "
        "signed_file_hash = $3 WHERE id = $1",
        doc_id,
        key,
        hashlib.sha256(signed).hexdigest(),
    )

    status, body, resp = await api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and body == signed
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"Contrato Garcia - Signed.pdf\"; filename*=UTF-8''Contrato%20Garc%C3%ADa%20-%20Signed.pdf"
    )
    [event] = await _events(db, doc_id, "document.downloaded")
    assert event["data"] == {"name": "Contrato García", "signed": True}


async def test_no_file_no_draft_and_bad_input(call: Driver, api: Api, db: asyncpg.Pool) -> None:
    doc_id = await new_draft(api)
    problem = await call(api, "GET", DOWNLOAD, 409, id=doc_id)
    assert problem["type"].endswith("/file-missing") and problem["detail"] == "No file has been uploaded"
    await request_upload(api, doc_id)
    await call(api, "GET", DOWNLOAD, 409, id=doc_id)  # an upload URL alone is not a file

    invalid = await call(
        api,
        "POST",
        UPLOAD,
        422,
        id=doc_id,
        json={"contentType": "text/html", "fileSize": 50 * 1024 * 1024 + 1, "filename": ""},
    )
    assert {e["field"] for e in invalid["errors"]} == {"contentType", "fileSize", "filename"}
    await call(api, "POST", UPLOAD, 400, id=doc_id, data=b"{", headers={"Content-Type": "application/json"})

    await db.execute("UPDATE documents.documents SET status = 'pending' WHERE id = $1", doc_id)
    conflict = await call(api, "POST", UPLOAD, 409, id=doc_id, json={})
    assert "draft" in conflict["detail"]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM documents.outbox WHERE body->>'documentId' = $1 AND event_type = 'document.updated'",
            doc_id,
        )
        == 1
    )  # only the first upload


async def test_another_organisation_sees_404(
    call: Driver, api: Api, make_api: Any, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, corpus.one_page_letter())
    other = await make_api()
    await call(other, "POST", UPLOAD, 404, id=doc_id, json={})
    await call(other, "GET", DOWNLOAD, 404, id=doc_id)
    await call(api, "GET", DOWNLOAD, 404, id="cmissingdocument00000000000")
    reader = await make_api(scopes=["documents.read"])
    await call(reader, "POST", UPLOAD, 403, id=doc_id, json={})


async def test_a_reused_upload_url_does_not_change_what_is_downloaded(
    api: Api, system: System, http: aiohttp.ClientSession
) -> None:
    data = corpus.one_page_letter()
    doc_id = await new_draft(api)
    sent = await upload(api, http, doc_id, data, declared_size=None)
    assert (await api.request("GET", f"{D}/{doc_id}"))[0] == 200
    await put(http, sent, corpus.three_page_a4())  # moto accepts a second PUT to the same URL
    status, body, _ = await api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and body == data
    assert len(s3_keys(system.settings, f"documents/{api.org_id}/{doc_id}/verified/")) == 1


async def test_a_20_mb_file_round_trips(api: Api, http: aiohttp.ClientSession) -> None:
    data = padded_pdf(20 * 1024 * 1024)
    doc_id = await new_draft(api, "Big")
    await upload(api, http, doc_id, data)
    detail = (await api.request("GET", f"{D}/{doc_id}"))[1]["data"]
    assert (detail["fileSize"], detail["documentHash"]) == (len(data), hashlib.sha256(data).hexdigest())

    digest, total = hashlib.sha256(), 0
    async with http.get(api.base_url + f"{D}/{doc_id}/download", headers=api.headers()) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Length"] == str(len(data))
        async for chunk in resp.content.iter_chunked(1 << 20):
            digest.update(chunk)
            total += len(chunk)
    assert (total, digest.hexdigest()) == (len(data), detail["documentHash"])


async def test_a_head_request_is_not_a_download(api: Api, db: asyncpg.Pool, http: aiohttp.ClientSession) -> None:
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, corpus.one_page_letter())
    assert (await api.request("GET", f"{D}/{doc_id}"))[0] == 200
    async with http.head(api.base_url + f"{D}/{doc_id}/download", headers=api.headers()) as resp:
        assert resp.status == 405
    assert await _events(db, doc_id, "document.downloaded") == []


async def test_concurrent_gets_verify_once(api: Api, system: System, http: aiohttp.ClientSession) -> None:
    data = corpus.three_page_a4()
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, data)
    answers = await asyncio.gather(*(api.request("GET", f"{D}/{doc_id}") for _ in range(8)))
    assert {status for status, _, _ in answers} == {200}
    assert {body["data"]["documentHash"] for _, body, _ in answers} == {hashlib.sha256(data).hexdigest()}
    assert len(s3_keys(system.settings, f"documents/{api.org_id}/{doc_id}/verified/")) == 1
