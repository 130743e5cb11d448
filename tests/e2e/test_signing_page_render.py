"""GET /api/v1/signing/{token}/pages/{page}: page images for the signing page, through the gateway.

Rendered from the verified PDF in a limited child process, cached in S3 under the document's
prefix (keyed by the PDF's hash, page and scale), answered with a strong ETag and a private
cache lifetime; every check of the signing API applies (one-time code, dead documents).
"""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from services.documents.adapters.page_render import page_key
from services.documents.adapters.storage import STORAGE
from shared.contracts.pages import MAX_PIXELS, MAX_SIDE_PX
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow: a fixture)
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
PAGE = "/pages/{page}"


async def _sent(flow: Flow, pdf: bytes) -> tuple[str, str]:
    doc_id, ids = await flow.draft(
        pdf=pdf, signers=[{"email": "pia@example.com", "name": "Pia Pages", "order": 0}], fields=[signature(0)]
    )
    await flow.send(doc_id)
    return doc_id, await flow.link(ids["pia@example.com"])


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


async def test_pages_are_rendered_once_cached_in_s3_and_revalidated_by_etag(flow: Flow) -> None:
    pdf = make_pdf([LETTER, LETTER], rotate={1: 90})  # page 2 is shown landscape
    doc_id, token = await _sent(flow, pdf)
    session = (await flow.as_signer("GET", "", 200, token))["data"]
    assert session["pages"][1] == {"page": 2, "width": 792, "height": 612}

    first = await flow.as_signer("GET", PAGE, 200, token, page="1", params={"scale": "1"})
    assert _png_size(first) == (612, 792)
    rotated = await flow.as_signer("GET", PAGE, 200, token, page="2", params={"scale": "1"})
    assert _png_size(rotated) == (792, 612)  # as displayed, like the field boxes
    stepped = await flow.as_signer("GET", PAGE, 200, token, page="1", params={"scale": "1.2"})
    assert _png_size(stepped) == (918, 1188)  # rounded up to the 1.5 step

    # Cached under the document's prefix, keyed by the verified PDF's hash, page and scale.
    document = await flow.document(doc_id)
    storage = flow.system.services["documents"].app[STORAGE]
    key = page_key(flow.api.org_id or "", doc_id, document["documentHash"], 1, 1.0)
    assert key.startswith(f"documents/{flow.api.org_id}/{doc_id}/pages/")
    assert (await storage.head(key)) is not None

    status, again, resp = await flow.signing.request("GET", f"/api/v1/signing/{token}/pages/1", params={"scale": "1"})
    assert status == 200 and again == first and resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Cache-Control"] == "private, max-age=3600"
    etag = resp.headers["ETag"]
    status, body, resp = await flow.signing.request(
        "GET", f"/api/v1/signing/{token}/pages/1", params={"scale": "1"}, headers={"If-None-Match": etag}
    )
    assert status == 304 and body == b"" and resp.headers["ETag"] == etag

    # Concurrent requests for one page all get the same image.
    many = await asyncio.gather(
        *(flow.signing.request("GET", f"/api/v1/signing/{token}/pages/2", params={"scale": "2"}) for _ in range(4))
    )
    assert {status for status, _, _ in many} == {200} and len({body for _, body, _ in many}) == 1
    assert _png_size(many[0][1]) == (1584, 1224)


async def test_a_huge_page_stays_within_the_pixel_caps(flow: Flow) -> None:
    _, token = await _sent(flow, make_pdf([(14400.0, 7200.0)]))  # the largest page PDF allows, 200 x 100 inches
    huge = await flow.as_signer("GET", PAGE, 200, token, page="1", params={"scale": "3"})
    width, height = _png_size(huge)
    assert width <= MAX_SIDE_PX and width * height <= MAX_PIXELS and abs(width / height - 2) < 0.01


async def test_page_images_answer_like_the_rest_of_the_signing_api(flow: Flow) -> None:
    doc_id, token = await _sent(flow, make_pdf([LETTER]))
    for bad in ("0", "2", "abc"):
        await flow.as_signer("GET", PAGE, 404, token, page=bad)
    invalid = await flow.as_signer("GET", PAGE, 400, token, page="1", params={"scale": "9"})
    assert invalid["errors"][0]["field"] == "scale"
    await flow.as_signer("GET", PAGE, 404, "x" * 43, page="1")

    otp_id, otp_ids = await flow.draft(
        otpMethod="email", signers=[{"email": "olly@example.com", "name": "Olly"}], fields=[signature(0)]
    )
    await flow.send(otp_id)
    locked = await flow.as_signer("GET", PAGE, 403, await flow.link(otp_ids["olly@example.com"]), page="1")
    assert locked["type"].endswith("/otp-required")

    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    gone = await flow.as_signer("GET", PAGE, 410, token, page="1")
    assert gone["type"].endswith("/document-cancelled")


async def test_only_the_verified_bytes_are_ever_rendered(flow: Flow) -> None:
    doc_id, token = await _sent(flow, make_pdf([LETTER]))
    pdf_key = await flow.db.fetchval("SELECT pdf_key FROM documents.documents WHERE id = $1", doc_id)
    storage = flow.system.services["documents"].app[STORAGE]
    await storage.put_bytes(pdf_key, make_pdf([LETTER], text="Swapped behind our back"), "application/pdf")
    changed = await flow.as_signer("GET", PAGE, 409, token, page="1")
    assert changed["type"].endswith("/file-missing")
