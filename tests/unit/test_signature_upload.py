"""A signature uploaded as a picture: checked like an upload, rebuilt from its pixels alone
(services/documents/pdf/signature_upload.py), and the organisation's logo by the same checks
(services/documents/pdf/logo_image.py)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from services.documents.pdf.logo_image import LogoRefused, prepare_logo
from services.documents.pdf.signature_upload import (
    MAX_OUTPUT_BYTES,
    SignatureImageRefused,
    prepare_signature,
    target_size,
)

INK = (200, 0, 0)


def photo(
    size: tuple[int, int] = (1600, 1000), *, ink_box: tuple[int, int, int, int] = (500, 400, 1100, 600)
) -> Image.Image:
    """A phone photo of a signature: greyish paper, a red pen stroke inside `ink_box`."""
    image = Image.new("RGB", size, (205, 200, 190))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = ink_box
    points = [(left + (right - left) * i / 20, top + (bottom - top) * (0.2 + 0.6 * (i % 2))) for i in range(21)]
    draw.line(points, fill=INK, width=12)
    return image


def encode(image: Image.Image, kind: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def reopen(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image


def test_a_photo_becomes_a_transparent_png_trimmed_to_the_ink_and_sized_for_the_box() -> None:
    exif = Image.Exif()
    exif[0x010E] = "Taken by a phone"  # ImageDescription
    data = encode(photo(), "JPEG", quality=90, exif=exif.tobytes(), comment=b"secret comment")
    png = prepare_signature(data, 200, 60)
    image = reopen(png)
    assert image.mode == "RGBA"
    width, height = target_size(200, 60)
    assert image.width <= width and image.height <= height
    # Trimmed: the zigzag spans about 612 x 132 pixels of the 1600 x 1000 photo, and so does the result.
    assert 3.8 < image.width / image.height < 5.2
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((image.width - 1, image.height - 1)) == 0  # paper is gone
    raw = image.tobytes()
    opaque = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4) if raw[i + 3] > 200]
    # The pen keeps its colour (JPEG's ringing darkens a few edge pixels).
    red = [p for p in opaque if p[0] > 150 and p[1] < 60 and p[2] < 60]
    assert len(opaque) > 5000 and len(red) > 0.8 * len(opaque)
    # Nothing of the upload but its pixels: no EXIF, comment or other metadata.
    assert not {"exif", "comment", "icc_profile", "dpi"} & set(image.info)
    assert b"phone" not in png and b"secret" not in png
    assert len(png) <= MAX_OUTPUT_BYTES


def test_a_png_with_transparency_and_text_chunks_keeps_only_pixels() -> None:
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 100), (200, 30), (380, 110)], fill=(10, 20, 90, 255), width=8)
    info = PngInfo()
    info.add_text("Author", "someone@example.com")
    png = prepare_signature(encode(image, "PNG", pnginfo=info), 150, 40)
    assert b"someone@example.com" not in png and b"tEXt" not in png
    assert reopen(png).getchannel("A").getbbox() is not None


def test_a_phone_photo_is_turned_upright_by_its_orientation_tag() -> None:
    upright = photo((1000, 1600), ink_box=(400, 200, 600, 1400))  # a tall stroke...
    stored = upright.transpose(Image.Transpose.ROTATE_270)  # ...stored sideways (wide)
    exif = Image.Exif()
    exif[0x0112] = 8  # Orientation: turn 90° counter-clockwise to view (what Pillow undoes)
    image = reopen(prepare_signature(encode(stored, "JPEG", exif=exif.tobytes()), 200, 200))
    assert image.height > image.width * 2


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"\0" * 100, "signature-image-type"),
        (b"<html><script>alert(1)</script></html>", "signature-image-type"),
        (b"%PDF-1.7\n", "signature-image-type"),
        (encode(photo(), "PNG") + b"PK\x03\x04" + b"zip archive follows" * 10, "signature-image-polyglot"),
        (encode(photo(), "JPEG") + b"<html><body>a page too</body></html>", "signature-image-polyglot"),
        (encode(photo(), "JPEG", comment=b"<script>alert(document.cookie)</script>"), "signature-image-polyglot"),
        (encode(Image.new("RGB", (800, 300), "white"), "PNG"), "signature-image-blank"),
        (encode(photo(), "PNG")[:-2000], "signature-image-invalid"),
    ],
    ids=["gif", "html", "pdf", "png+zip", "jpeg+html", "jpeg-comment-script", "blank", "truncated"],
)
def test_refusals_have_stable_codes(data: bytes, code: str) -> None:
    with pytest.raises(SignatureImageRefused) as refused:
        prepare_signature(data, 200, 60)
    assert refused.value.code == code


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(side: int = 30_000) -> bytes:
    """A PNG whose header claims side x side pixels (900 MP), a few KB on disk."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (side + 1) * 64, 9)  # 64 rows of zeros; the rest never comes
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    data = bomb_png()
    assert len(data) < 100_000
    with pytest.raises(SignatureImageRefused) as refused:
        prepare_signature(data, 200, 60)
    assert refused.value.code == "signature-image-too-large"


def test_a_logo_is_rebuilt_within_its_box_and_refused_like_a_signature() -> None:
    logo = Image.new("RGBA", (1800, 900), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rectangle((100, 100, 1700, 800), fill=(30, 60, 200, 255))
    png = prepare_logo(encode(logo, "PNG"))
    image = reopen(png)
    assert image.size == (400, 200) and image.mode == "RGBA"
    for data, code in (
        (b"GIF89a" + b"\0" * 50, "logo-type"),
        (encode(logo, "PNG") + b"<html></html>", "logo-polyglot"),
        (bomb_png(), "logo-too-large"),
    ):
        with pytest.raises(LogoRefused) as refused:
            prepare_logo(data)
        assert refused.value.code == code
