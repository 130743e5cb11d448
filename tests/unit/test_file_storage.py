"""Pure parts of the file endpoints: presigned URL binding, key and filename sanitising,
Content-Disposition, and the upload request's validation."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from pydantic import ValidationError

from services.documents.adapters.storage import open_storage, original_key, safe_filename, signed_key, verified_key
from services.documents.commands.file_download import content_disposition, download_filename
from shared.contracts.files import UploadRequest
from tests import harness

# Presigning is local computation: no S3 server needs to listen here.
OFFLINE = harness.test_settings(s3_endpoint_url="http://127.0.0.1:9", s3_bucket="unit-bucket")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_presigned_put_signs_content_length_and_type() -> None:
    async with open_storage(OFFLINE) as storage:
        put = await storage.presign_put("documents/o/d/original/u/contract.pdf", "application/pdf", 125000, 600)
    query = _query(put.url)
    signed = query["X-Amz-SignedHeaders"].split(";")
    assert "content-length" in signed and "content-type" in signed and "host" in signed
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "600"
    assert put.headers == {"Content-Type": "application/pdf", "Content-Length": "125000"}
    assert unquote(urlsplit(put.url).path) == "/unit-bucket/documents/o/d/original/u/contract.pdf"


async def test_presigned_urls_use_the_public_endpoint_when_set() -> None:
    public = OFFLINE.model_copy(update={"s3_public_endpoint_url": "http://files.example.test:9000"})
    async with open_storage(public) as storage:
        put = await storage.presign_put("k.pdf", "application/pdf", None, 60)
    assert urlsplit(put.url).netloc == "files.example.test:9000"


async def test_presigned_put_without_size_signs_only_the_type() -> None:
    async with open_storage(OFFLINE) as storage:
        put = await storage.presign_put("k.png", "image/png", None, 60)
    signed = _query(put.url)["X-Amz-SignedHeaders"].split(";")
    assert "content-type" in signed and "content-length" not in signed
    # No checksum header a plain `curl --data-binary` PUT could not know to send.
    assert not [name for name in signed if name.startswith("x-amz-")]
    assert put.headers == {"Content-Type": "image/png"}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("contract.pdf", "contract.pdf"),
        ("My Contract (final).pdf", "My_Contract_final.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\scan.png", "scan.png"),
        ("contrato año 2026.pdf", "contrato_ano_2026.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("...", "document.pdf"),
        ("契約書.pdf", "document.pdf"),
        ("a\r\nb\x00c.pdf", "a_b_c.pdf"),
        ("", "document.pdf"),
        ("report.v2.pdf", "report.v2.pdf"),
        ("README", "README"),
    ],
)
def test_safe_filename(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_safe_filename_keeps_the_extension_of_long_names() -> None:
    name = safe_filename("x" * 300 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


def test_object_keys() -> None:
    assert original_key("org_1", "cabc", "u1", "../My file.pdf") == "documents/org_1/cabc/original/u1/My_file.pdf"
    assert verified_key("org_1", "cabc", "k9") == "documents/org_1/cabc/verified/k9.pdf"
    assert signed_key("org_1", "cabc", "NDA - Acme Corp") == "documents/org_1/cabc/signed/NDA_-_Acme_Corp.pdf"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("NDA - Acme Corp.pdf", 'attachment; filename="NDA - Acme Corp.pdf"'),
        (
            'The "Big" Deal.pdf',
            "attachment; filename=\"The 'Big' Deal.pdf\"; filename*=UTF-8''The%20%22Big%22%20Deal.pdf",
        ),
        ("Evil\r\nSet-Cookie: x=1.pdf", 'attachment; filename="EvilSet-Cookie: x=1.pdf"'),
        (
            "Contrato García.pdf",
            "attachment; filename=\"Contrato Garcia.pdf\"; filename*=UTF-8''Contrato%20Garc%C3%ADa.pdf",
        ),
        ("契約書.pdf", "attachment; filename=\"___.pdf\"; filename*=UTF-8''%E5%A5%91%E7%B4%84%E6%9B%B8.pdf"),
        ("a/b\\c.pdf", 'attachment; filename="a_b_c.pdf"'),
    ],
)
def test_content_disposition(filename: str, expected: str) -> None:
    assert content_disposition(filename) == expected


def test_download_filenames_follow_the_reference() -> None:
    assert download_filename("Document Name", signed=True) == "Document Name - Signed.pdf"
    assert download_filename("Document Name", signed=False) == "Document Name.pdf"


def test_upload_request_defaults_and_limits() -> None:
    body = UploadRequest.model_validate({})
    assert (body.filename, body.contentType, body.fileSize) == ("document.pdf", "application/pdf", None)
    assert UploadRequest.model_validate({"fileSize": 50 * 1024 * 1024}).fileSize == 50 * 1024 * 1024
    for bad in (
        {"fileSize": 0},
        {"fileSize": 50 * 1024 * 1024 + 1},
        {"fileSize": "100"},
        {"fileSize": 1.5},
        {"contentType": "text/html"},
        {"filename": "x" * 256},
        {"filename": ""},
        {"extra": 1},
    ):
        with pytest.raises(ValidationError):
            UploadRequest.model_validate(bad)
