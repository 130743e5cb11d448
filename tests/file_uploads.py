"""Test helpers for document files: create a draft, get an upload URL, PUT bytes straight to S3
(moto over HTTP, as a client would), and small PDFs/images for the cases the corpus lacks."""

from __future__ import annotations

import io
import random
from typing import Any

import aiohttp
import boto3

from shared.settings import Settings
from tests import pdf_corpus as corpus
from tests.conftest import Api

D = "/api/v1/documents"
PDF = "application/pdf"


async def new_draft(api: Api, name: str = "Contract") -> str:
    status, body, _ = await api.request("POST", D, json={"name": name})
    assert status == 201, body
    return body["data"]["id"]


async def request_upload(api: Api, document_id: str, **body: Any) -> dict[str, Any]:
    status, answer, _ = await api.request("POST", f"{D}/{document_id}/upload", json=body)
    assert status == 200, answer
    return answer["data"]


async def put(
    http: aiohttp.ClientSession, instructions: dict[str, Any], data: bytes, *, honest_length: bool = False
) -> None:
    """PUT to the presigned URL with the headers it came with. `honest_length` sends the real
    length instead of a bound Content-Length (moto accepts either; S3 would refuse the mismatch)."""
    headers = dict(instructions["headers"])
    if honest_length:
        headers.pop("Content-Length", None)
    async with http.put(instructions["uploadUrl"], data=data, headers=headers) as resp:
        assert resp.status == 200, await resp.text()


async def upload(
    api: Api,
    http: aiohttp.ClientSession,
    document_id: str,
    data: bytes,
    *,
    content_type: str = PDF,
    declared_size: int | None = -1,
    filename: str = "contract.pdf",
) -> dict[str, Any]:
    """Request an upload URL (declaring len(data) unless told otherwise) and PUT the bytes."""
    body: dict[str, Any] = {"filename": filename, "contentType": content_type}
    size = len(data) if declared_size == -1 else declared_size
    if size is not None:
        body["fileSize"] = size
    instructions = await request_upload(api, document_id, **body)
    await put(http, instructions, data, honest_length=size != len(data))
    return instructions


def padded_pdf(total_bytes: int) -> bytes:
    """A valid one-page PDF of about `total_bytes`: the page plus an unreferenced stream of
    incompressible bytes (random, so a reordered or repeated chunk would change the hash)."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        4: corpus.stream(b"0 0 1 rg 72 72 100 100 re f"),
        5: corpus.stream(random.Random(20).randbytes(max(0, total_bytes - 700))),
    }
    return corpus.raw_pdf(objects)


def s3_keys(settings: Settings, prefix: str) -> list[str]:
    """Object keys under a prefix, read with a separate (sync) client: what is really stored."""
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    listing = client.list_objects_v2(Bucket=settings.s3_bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def s3_object(settings: Settings, key: str) -> bytes:
    """The bytes stored under a key, read with a separate (sync) client."""
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    return client.get_object(Bucket=settings.s3_bucket, Key=key)["Body"].read()


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    return corpus.make_image("PNG", size)


def pdf_bytes_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
