"""Opening untrusted images: pixel bombs and garbage become refusals, not allocations."""

from __future__ import annotations

import pytest

from services.documents.pdf.codes import RejectCode, Rejected
from services.documents.pdf.safe_image import check_signature_image, flatten, open_untrusted
from tests import pdf_corpus as corpus


def test_pixel_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(Rejected) as caught:
        open_untrusted(corpus.pixel_bomb_png(), max_pixels=50_000_000)
    assert caught.value.rejection.code is RejectCode.IMAGE_TOO_LARGE


def test_image_over_our_budget_but_under_pillows_is_refused() -> None:
    with pytest.raises(Rejected) as caught:
        open_untrusted(corpus.make_image("PNG", (400, 300)), max_pixels=100_000)
    assert caught.value.rejection.code is RejectCode.IMAGE_TOO_LARGE


@pytest.mark.parametrize(
    "data", [corpus.random_bytes(), corpus.one_page_letter(), b"", corpus.make_image("PNG")[:60]]
)  # a PNG cut short
def test_garbage_is_an_invalid_image(data: bytes) -> None:
    with pytest.raises(Rejected) as caught:
        open_untrusted(data, max_pixels=1_000_000)
    assert caught.value.rejection.code is RejectCode.INVALID_IMAGE


def test_declared_type_must_match() -> None:
    with pytest.raises(Rejected) as caught:
        open_untrusted(corpus.make_image("PNG"), max_pixels=1_000_000, declared="image/jpeg")
    assert caught.value.rejection.code is RejectCode.TYPE_MISMATCH


def test_signature_image_check_and_flatten() -> None:
    assert check_signature_image(corpus.signature_png((300, 100))) == (300, 100)
    image = open_untrusted(corpus.signature_png(), max_pixels=1_000_000)
    flat = flatten(image)
    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == (255, 255, 255)  # transparent corner becomes white paper
