"""Preparing an uploaded image for its page: orientation, downscaling, flattening."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.documents.pdf.imageconv import EMBED_DPI, prepare_image
from services.documents.pdf.layout import A4

T = Image.Transpose
# The transpose that *stores* an upright image the way a camera would for each EXIF orientation.
STORE = {
    1: None,
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_90,
    7: T.TRANSVERSE,
    8: T.ROTATE_270,
}


def encoded(image: Image.Image, fmt: str, orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    extra = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(buf, format=fmt, **extra)
    return buf.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_ends_upright(orientation: int) -> None:
    upright = Image.new("RGB", (300, 200), "white")
    upright.paste((0, 0, 0), (0, 0, 150, 100))  # black top-left quadrant
    method = STORE[orientation]
    stored = upright.transpose(method) if method is not None else upright
    image, page, _ = prepare_image(encoded(stored, "PNG", orientation))
    assert image.size == (300, 200)
    assert page.page_size == pytest.approx((A4[1], A4[0]))  # landscape, like the upright image
    assert image.getpixel((75, 50)) == (0, 0, 0)
    assert image.getpixel((225, 150)) == (255, 255, 255)


def test_large_images_are_downscaled_to_the_embedding_resolution() -> None:
    image, page, fmt = prepare_image(encoded(Image.new("RGB", (4000, 3000), "grey"), "JPEG"))
    assert fmt == "JPEG"
    longest_allowed = page.placement.width / 72 * EMBED_DPI
    assert image.width <= longest_allowed + 1
    assert image.width / image.height == pytest.approx(4 / 3, rel=0.01)


def test_transparency_is_flattened_onto_white_and_png_stays_lossless() -> None:
    image, _, fmt = prepare_image(encoded(Image.new("RGBA", (100, 80), (0, 0, 0, 0)), "PNG"))
    assert fmt == "PNG" and image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)
