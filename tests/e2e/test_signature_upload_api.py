"""POST /api/v1/signing/{token}/fields/{fieldId}/signature-image through the gateway: a picture of
a signature is checked like any upload and answered as a cleaned PNG, nothing stored; sent with
/sign, it is what the signed PDF shows in the box. Refusals have stable codes and change nothing.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pypdfium2
import pytest
from PIL import Image

from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow: a fixture)
from tests.unit.test_signature_upload import bomb_png, encode, photo

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
UPLOAD = "/fields/{fieldId}/signature-image"


def form(data: bytes, filename: str = "signature.jpg", content_type: str = "image/jpeg") -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename=filename, content_type=content_type)
    return body


async def _sent(flow: Flow) -> tuple[str, str, dict[str, str]]:
    """A sent document: Sue (order 0) signs a signature and a text field, then Tom (order 1) a
    signature; (doc id, Sue's token, field ids by kind)."""
    doc_id, ids = await flow.draft(
        signers=[
            {"email": "sue@example.com", "name": "Sue Upload", "order": 0},
            {"email": "tom@example.com", "name": "Tom Other", "order": 1},
        ],
        fields=[signature(0), box("text", 0, 120, label="Company"), signature(1, y=720)],
    )
    await flow.send(doc_id)
    fields = {(f["type"], f["assignedTo"]): f["id"] for f in await flow.field_ids(doc_id)}
    by_kind = {
        "signature": fields[("signature", 0)],
        "text": fields[("text", 0)],
        "tom-signature": fields[("signature", 1)],
        "tom": ids["tom@example.com"],
    }
    return doc_id, await flow.link(ids["sue@example.com"]), by_kind


async def _stored_state(flow: Flow, doc_id: str) -> tuple[Any, ...]:
    """What a refused upload must not change: the signers' state, the values and the events."""
    signers = await flow.db.fetch(
        "SELECT id, status, signed_at FROM documents.signers WHERE document_id = $1 ORDER BY id", doc_id
    )
    values = await flow.db.fetch(
        "SELECT field_id, value FROM documents.field_values WHERE document_id = $1 ORDER BY field_id", doc_id
    )
    return tuple(map(tuple, signers)), tuple(map(tuple, values)), tuple(await flow.event_types(doc_id))


def _red_pixels(pdf: bytes, box_pt: tuple[float, float, float, float]) -> tuple[int, int]:
    """(red pixels inside the box, red pixels elsewhere) on page 1 rendered at 2 px per point."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil().convert("RGB")
    x, y, w, h = (v * 2 for v in box_pt)
    inside = outside = 0
    for py in range(0, image.height, 2):
        for px in range(0, image.width, 2):
            r, g, b = image.getpixel((px, py))
            if r > 150 and g < 90 and b < 90:
                if x - 2 <= px <= x + w + 2 and y - 2 <= py <= y + h + 2:
                    inside += 1
                else:
                    outside += 1
    return inside, outside


async def test_an_uploaded_photo_is_cleaned_and_the_signed_pdf_shows_it_in_the_box(flow: Flow) -> None:
    doc_id, token, fields = await _sent(flow)
    before = await _stored_state(flow, doc_id)
    answer = await flow.as_signer(
        "POST", UPLOAD, 200, token, fieldId=fields["signature"], data=form(encode(photo(), "JPEG", quality=92))
    )
    cleaned = answer["data"]
    assert cleaned["type"] == "drawn" and cleaned["image"].startswith("data:image/png;base64,")
    assert 0 < cleaned["width"] <= 1000 and 0 < cleaned["height"] <= 300
    # Nothing is stored by the upload itself.
    assert await _stored_state(flow, doc_id) == before

    await flow.as_signer(
        "POST",
        "/sign",
        200,
        token,
        json={
            "consent": True,
            "fields": [
                {"id": fields["signature"], "value": {"type": "drawn", "image": cleaned["image"]}},
                {"id": fields["text"], "value": "Upload Ltd"},
            ],
        },
    )
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        await flow.link(fields["tom"]),
        json={"consent": True, "fields": [{"id": fields["tom-signature"], "value": {"type": "typed", "text": "Tom"}}]},
    )
    await flow.complete(doc_id)
    status, signed, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200
    inside, outside = _red_pixels(signed, (100, 650, 200, 60))
    assert inside > 50, "the uploaded signature is not in its box"
    assert outside == 0, "red ink outside the signature box"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "slug"),
    [
        (b"GIF89a" + b"\0" * 400, "image/png", 422, "signature-image-type"),
        (
            encode(photo(), "PNG") + b"PK\x03\x04" + b"\0" * 64 + b"payload.html",
            "image/png",
            422,
            "signature-image-polyglot",
        ),
        (
            encode(photo(), "JPEG") + b"<html><script>alert(1)</script></html>",
            "image/jpeg",
            422,
            "signature-image-polyglot",
        ),
        (bomb_png(), "image/png", 422, "signature-image-too-large"),
        (encode(Image.new("RGB", (600, 200), "white"), "PNG"), "image/png", 422, "signature-image-blank"),
        (b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "image/jpeg", 413, "payload-too-large"),
    ],
    ids=["not-an-image", "png+zip", "jpeg+html", "bomb", "blank", "too-big"],
)
async def test_refused_uploads_have_stable_codes_and_store_nothing(
    flow: Flow, data: bytes, content_type: str, status: int, slug: str
) -> None:
    doc_id, token, fields = await _sent(flow)
    before = await _stored_state(flow, doc_id)
    problem = await flow.as_signer(
        "POST", UPLOAD, status, token, fieldId=fields["signature"], data=form(data, content_type=content_type)
    )
    assert problem["type"].endswith("/" + slug)
    assert await _stored_state(flow, doc_id) == before


async def test_only_the_signers_own_signature_fields_take_a_picture(flow: Flow) -> None:
    doc_id, token, fields = await _sent(flow)
    before = await _stored_state(flow, doc_id)
    picture = encode(photo(), "JPEG")
    problem = await flow.as_signer("POST", UPLOAD, 422, token, fieldId=fields["text"], data=form(picture))
    assert problem["type"].endswith("/not-a-signature-field")
    await flow.as_signer("POST", UPLOAD, 404, token, fieldId=fields["tom-signature"], data=form(picture))
    await flow.call(flow.api, "POST", D + "/{id}/cancel", 200, id=doc_id)
    after_cancel = await _stored_state(flow, doc_id)
    problem = await flow.as_signer("POST", UPLOAD, 410, token, fieldId=fields["signature"], data=form(picture))
    assert problem["type"].endswith("/document-cancelled")
    assert await _stored_state(flow, doc_id) == after_cancel != before
