"""Verification of uploaded files against real S3 (moto over HTTP) and PostgreSQL: the gate
`require_verified_file` that send goes through, with valid files, images and a hostile corpus."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from pypdf import PdfReader

from services.documents.adapters.storage import STORAGE, open_storage
from services.documents.adapters.verified_pdf import FileChanged, fetch_pdf
from services.documents.api.errors import to_problem
from services.documents.commands import files
from services.documents.commands.deps import DEPS
from services.documents.commands.file_check import Accepted, Checker, Refused, Upload, check_upload
from services.documents.commands.files import require_verified_file, verify_pending_upload
from services.documents.db import file_repository
from services.documents.domain.errors import DomainError
from services.documents.domain.verified_file import VerifiedFile
from shared.problems import Problem
from shared.service import SETTINGS
from tests import pdf_corpus as corpus
from tests.conftest import Api
from tests.file_uploads import PDF, new_draft, padded_pdf, png, request_upload, s3_keys, upload
from tests.harness import System
from tests.peers import free_port


@pytest.fixture
def app(system: System) -> web.Application:
    return system.services["documents"].app


async def _problem(app: web.Application, db: asyncpg.Pool, api: Api, doc_id: str) -> Problem:
    """The refusal as the API answers it (api/errors.py maps the use case's domain error)."""
    assert api.org_id
    with pytest.raises(DomainError) as caught:
        await require_verified_file(app[DEPS], db, api.org_id, doc_id)
    return to_problem(caught.value)


async def test_a_valid_pdf_is_verified_and_its_facts_stored(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    data = corpus.mixed_with_rotated()
    doc_id = await new_draft(api)
    sent = await upload(api, http, doc_id, data)
    assert api.org_id

    verified = await require_verified_file(app[DEPS], db, api.org_id, doc_id)
    assert verified.sha256 == hashlib.sha256(data).hexdigest() and verified.size == len(data)
    assert verified.page_count == 3 and verified.content_type == PDF
    assert [pytest.approx(s, abs=0.01) for s in verified.page_sizes] == [(612, 792), (841.89, 595.276), (400, 700)]
    assert verified.file_key == sent["fileKey"]
    # The PDF to sign is a copy only the service writes, beside the original, which is kept.
    assert verified.pdf_key.startswith(f"documents/{api.org_id}/{doc_id}/verified/")
    assert s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/") == sorted([sent["fileKey"], verified.pdf_key])

    row = await db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert (row["file_status"], row["file_size"], row["document_hash"], row["page_count"]) == (
        "verified",
        len(data),
        verified.sha256,
        3,
    )
    assert row["original_file_hash"] == verified.sha256 and row["file_verified_at"] is not None

    target = tmp_path / "to-sign.pdf"
    await fetch_pdf(app[STORAGE], verified, target)
    assert target.read_bytes() == data
    # Asking again is idempotent: same answer, nothing re-checked or re-copied.
    assert await require_verified_file(app[DEPS], db, api.org_id, doc_id) == verified
    assert len(s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/verified/")) == 1


async def test_an_image_becomes_a_one_page_pdf(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    image = png((800, 600))
    doc_id = await new_draft(api)
    sent = await upload(api, http, doc_id, image, content_type="image/png", filename="scan.png")
    assert api.org_id

    verified = await require_verified_file(app[DEPS], db, api.org_id, doc_id)
    assert verified.page_count == 1 and verified.content_type == "image/png"
    assert verified.page_sizes[0][0] > verified.page_sizes[0][1]  # a landscape image gets a landscape page
    target = tmp_path / "converted.pdf"
    await fetch_pdf(app[STORAGE], verified, target)
    converted = target.read_bytes()
    assert converted.startswith(b"%PDF-") and len(PdfReader(target).pages) == 1
    assert verified.sha256 == hashlib.sha256(converted).hexdigest() and verified.size == len(converted)
    row = await db.fetchrow(
        "SELECT original_file_hash, original_file_size FROM documents.documents WHERE id = $1", doc_id
    )
    assert (row["original_file_hash"], row["original_file_size"]) == (hashlib.sha256(image).hexdigest(), len(image))
    assert sent["fileKey"] in s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/original/")


async def test_no_upload_and_an_upload_not_yet_put_are_file_missing(
    app: web.Application, db: asyncpg.Pool, api: Api
) -> None:
    doc_id = await new_draft(api)
    problem = await _problem(app, db, api, doc_id)
    assert (problem.status, problem.slug, problem.detail) == (422, "file-missing", "No file has been uploaded")
    assert [e.field for e in problem.errors] == ["file"]

    await request_upload(api, doc_id, contentType=PDF)
    problem = await _problem(app, db, api, doc_id)
    assert (problem.status, problem.slug) == (422, "file-missing")
    # Still waiting: the client may PUT the file any time before the URL expires.
    assert await db.fetchval("SELECT file_status FROM documents.documents WHERE id = $1", doc_id) == "awaiting_upload"


HOSTILE: list[tuple[str, Callable[[], bytes], str, int | None, str]] = [
    ("declared size differs", corpus.one_page_letter, PDF, 999, "size_mismatch"),
    ("PNG bytes declared as PDF", lambda: png(), PDF, None, "type_mismatch"),
    ("PDF bytes declared as PNG", corpus.one_page_letter, "image/png", None, "type_mismatch"),
    ("random bytes", corpus.random_bytes, PDF, None, "not_a_pdf"),
    ("HTML page", corpus.html_page, PDF, None, "not_a_pdf"),
    ("encrypted", corpus.encrypted, PDF, None, "encrypted"),
    ("truncated", corpus.truncated, PDF, None, "truncated"),
    ("no pages", corpus.zero_page_pdf, PDF, None, "empty"),
    ("decompression bomb", corpus.decompression_bomb, PDF, None, "resource_limit"),
    ("/Prev cycle", corpus.xref_prev_cycle, PDF, None, "unparseable"),
    ("pixel bomb", corpus.pixel_bomb_png, "image/png", None, "image_too_large"),
]


@pytest.mark.parametrize(("label", "make", "content_type", "declared", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_a_bad_file_is_rejected_with_its_reason(
    app: web.Application,
    db: asyncpg.Pool,
    api: Api,
    http: aiohttp.ClientSession,
    label: str,
    make: Callable[[], bytes],
    content_type: str,
    declared: int | None,
    code: str,
) -> None:
    data = make()
    doc_id = await new_draft(api)
    await upload(
        api,
        http,
        doc_id,
        data,
        content_type=content_type,
        declared_size=declared if declared is not None else len(data),
    )

    problem = await _problem(app, db, api, doc_id)
    assert (problem.status, problem.slug) == (422, "file-invalid"), label
    assert f"({code})" in problem.detail and problem.errors[0].field == "file"
    row = await db.fetchrow(
        "SELECT file_status, file_error_code, file_error, file_size, document_hash, pdf_key "
        "FROM documents.documents WHERE id = $1",
        doc_id,
    )
    assert (row["file_status"], row["file_error_code"]) == ("rejected", code)
    assert row["file_error"] and row["file_error"] in problem.detail
    assert (row["file_size"], row["document_hash"], row["pdf_key"]) == (None, None, None)
    # The verdict is stored: asking again answers the same without another check.
    again = await _problem(app, db, api, doc_id)
    assert again.detail == problem.detail


async def test_a_file_over_the_limit_is_refused_before_download(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api)
    small_limit = app[SETTINGS].model_copy(update={"max_upload_bytes": 1000})
    sent = await upload(api, http, doc_id, corpus.three_page_a4())
    assert api.org_id
    outcome = await check_upload(app[STORAGE], small_limit, Upload(api.org_id, doc_id, sent["fileKey"], PDF, None))
    assert isinstance(outcome, Refused) and outcome.code == "too_large"


async def test_concurrent_checks_of_one_upload_agree_and_store_one_pdf(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, corpus.three_page_a4())
    assert api.org_id
    results = await asyncio.gather(*(require_verified_file(app[DEPS], db, api.org_id, doc_id) for _ in range(6)))
    assert len(set(results)) == 1
    assert s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/verified/") == [results[0].pdf_key]


async def test_a_check_that_finishes_after_a_new_upload_changes_nothing(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api)
    first = await upload(api, http, doc_id, corpus.one_page_letter())
    assert api.org_id
    late = Upload(api.org_id, doc_id, first["fileKey"], PDF, None)
    outcome = await check_upload(app[STORAGE], app[SETTINGS], late)
    assert isinstance(outcome, Accepted)
    second = await upload(api, http, doc_id, corpus.three_page_a4())
    assert second["fileKey"] != first["fileKey"]

    async with db.acquire() as conn:
        stale = await file_repository.mark_verified(
            conn,
            api.org_id,
            doc_id,
            first["fileKey"],
            pdf_key=outcome.pdf_key,
            pdf_etag=outcome.pdf_etag,
            pdf_size=1,
            pdf_sha256="0" * 64,
            page_count=1,
            page_sizes=[(1.0, 1.0)],
            file_etag="x",
            original_size=1,
            original_sha256="0" * 64,
        )
    assert stale is False
    # Recording the late result is a no-op that also removes the copy it made.
    await files._record(db, app[STORAGE], late, outcome)
    verified = await require_verified_file(app[DEPS], db, api.org_id, doc_id)
    assert verified.page_count == 3 and verified.file_key == second["fileKey"]
    assert s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/verified/") == [verified.pdf_key]


async def test_a_new_upload_replaces_the_verified_file(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    doc_id = await new_draft(api)
    await upload(api, http, doc_id, corpus.one_page_letter())
    assert api.org_id
    old = await require_verified_file(app[DEPS], db, api.org_id, doc_id)

    instructions = await request_upload(api, doc_id, filename="v2.pdf")
    row = await db.fetchrow("SELECT * FROM documents.documents WHERE id = $1", doc_id)
    assert (row["file_status"], row["file_key"], row["file_name"]) == (
        "awaiting_upload",
        instructions["fileKey"],
        "v2.pdf",
    )
    assert (row["file_size"], row["document_hash"], row["page_count"], row["pdf_key"]) == (None, None, None, None)
    # The replaced upload and its verified copy are gone from storage.
    assert s3_keys(app[SETTINGS], f"documents/{api.org_id}/{doc_id}/") == []
    assert old.pdf_key not in s3_keys(app[SETTINGS], "documents/")


async def test_a_reused_upload_url_cannot_swap_the_verified_pdf(
    app: web.Application, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    original = padded_pdf(4096)
    doc_id = await new_draft(api)
    sent = await upload(api, http, doc_id, original, declared_size=None)
    assert api.org_id
    verified: VerifiedFile = await require_verified_file(app[DEPS], db, api.org_id, doc_id)

    async with http.put(sent["uploadUrl"], data=corpus.three_page_a4(), headers=sent["headers"]) as resp:
        assert resp.status == 200  # moto does not refuse; our copy is what counts
    target = tmp_path / "doc.pdf"
    await fetch_pdf(app[STORAGE], verified, target)
    assert target.read_bytes() == original

    tampered = VerifiedFile(**{**{f: getattr(verified, f) for f in verified.__slots__}, "sha256": "0" * 64})  # type: ignore[attr-defined]
    with pytest.raises(FileChanged):
        await fetch_pdf(app[STORAGE], tampered, target)


async def test_storage_unavailable_is_a_503_and_get_still_answers(db: asyncpg.Pool, api: Api, system: System) -> None:
    doc_id = await new_draft(api)
    await request_upload(api, doc_id)
    assert api.org_id
    offline = system.settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})
    async with open_storage(offline, max_attempts=1) as storage:  # no retry backoff to wait for
        app = web.Application()
        running = system.services["documents"].app[DEPS]
        app[DEPS] = deps = replace(running, pool=db, settings=offline, storage=storage, checker=Checker())
        problem = await _problem(app, db, api, doc_id)
        assert problem.status == 503
        await verify_pending_upload(deps, api.org_id, doc_id)  # logged, not raised
    assert await db.fetchval("SELECT file_status FROM documents.documents WHERE id = $1", doc_id) == "awaiting_upload"
