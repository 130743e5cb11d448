"""A signature the signer uploads as a picture, made safe and fit for its box (pure: no I/O).

    prepare_signature(data, box_width_pt, box_height_pt) -> bytes   # a PNG, or SignatureImageRefused

Checked like every upload, then rebuilt from its pixels alone:

- the type by magic bytes (PNG or JPEG; the name and declared type count for nothing);
- no polyglot: nothing after the image's end marker, no markup anywhere in it (a file that is
  also an HTML page or an archive is refused, not cleaned);
- decoded with a pixel budget checked before decoding (safe_image.open_untrusted), so a
  decompression bomb is refused from its header;
- turned upright (a phone photo's orientation tag), the paper made transparent, trimmed to the
  ink and scaled to at most the pixels the drawing pad would make for the same box, then written
  as a new PNG: metadata, profiles, comments and trailing bytes do not survive.

The result is what a drawn signature is (a transparent PNG that fits signing_validation's
MAX_IMAGE_BYTES), so the page sends it with POST …/sign exactly as it sends a drawing.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from .codes import RejectCode, Rejected
from .magic import HEAD_SIZE, JPEG, PNG, detect_type
from .safe_image import open_untrusted

ACCEPTED = (PNG, JPEG)
# A 12 MP phone photo; a JPEG is decoded at a reduced DCT scale first (draft), so larger photos pass.
MAX_PIXELS = 12_000_000
_DRAFT = (2400, 2400)
# As the drawing pad (static/signature.js, padGeometry): about 5 pixels per point, 400–1200 wide.
_PX_PER_POINT = 5
_MIN_WIDTH, _MAX_WIDTH = 400, 1200
# The stored PNG must pass the sign-time check (signing_validation.MAX_IMAGE_BYTES).
MAX_OUTPUT_BYTES = 512 * 1024
# After auto-contrast, darkness below PAPER is paper (and JPEG noise on it); FULL and above is ink.
_PAPER, _FULL = 60, 160
_MARGIN = 0.04  # of the trimmed size, so strokes do not touch the box's edge
# Markers of a page or script hidden in the file (compared lower-cased). Each is five bytes or
# more, so compressed pixel data holds one by chance about once in tens of thousands of photos.
_MARKUP = (
    b"<script",
    b"<html",
    b"<svg ",
    b"<svg>",
    b"<svg/",
    b"<?php",
    b"<!doctype",
    b"<iframe",
    b"<body",
    b"javascript:",
)


class SignatureImageRefused(Exception):
    """`code` is the stable machine-readable reason (the API's problem slug)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _png_end(data: bytes) -> int | None:
    """Offset just past the IEND chunk, or None when the chunk list is broken."""
    at = 8
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if kind == b"IEND":
            return at if at <= len(data) else None
    return None


def _jpeg_end(data: bytes) -> int | None:
    end = data.rfind(b"\xff\xd9")
    return end + 2 if end >= 0 else None


def check_single_file(data: bytes, kind: str) -> None:
    """Refuse a file that is something else besides the image it starts as."""
    end = _png_end(data) if kind == PNG else _jpeg_end(data)
    if end is None:
        raise SignatureImageRefused("signature-image-invalid", "The image is damaged: its end is missing.")
    # Some cameras pad with zeros or a newline; anything else after the end is another file.
    if data[end:].strip(b"\x00\r\n\t "):
        raise SignatureImageRefused(
            "signature-image-polyglot", "The file holds more than an image (data after its end); upload a plain image."
        )
    lowered = data.lower()
    if any(marker in lowered for marker in _MARKUP):
        raise SignatureImageRefused(
            "signature-image-polyglot", "The file holds markup or script besides the image; upload a plain image."
        )


def _decode(data: bytes) -> Image.Image:
    try:
        image = open_untrusted(data, max_pixels=MAX_PIXELS, draft_size=_DRAFT)
    except Rejected as exc:
        if exc.rejection.code is RejectCode.IMAGE_TOO_LARGE:
            raise SignatureImageRefused("signature-image-too-large", exc.rejection.message) from None
        raise SignatureImageRefused("signature-image-invalid", exc.rejection.message) from None
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        return image  # a broken orientation tag: keep the pixels as stored


def ink_only(image: Image.Image) -> Image.Image:
    """RGBA where the paper is transparent and the ink keeps its colour: the signed PDF then shows
    the signature, not a white rectangle over the document's lines."""
    rgba = image.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    # Auto-contrast first: a photo's grey paper becomes white, its pen stroke dark.
    darkness = ImageOps.invert(ImageOps.autocontrast(flat.convert("L"), cutoff=1))
    scale = 255 / (_FULL - _PAPER)
    alpha = darkness.point(lambda v: 0 if v < _PAPER else min(255, int((v - _PAPER) * scale)))
    flat.putalpha(alpha)
    return flat


def target_size(box_width_pt: float, box_height_pt: float) -> tuple[int, int]:
    width = round(min(_MAX_WIDTH, max(_MIN_WIDTH, box_width_pt * _PX_PER_POINT)))
    height = max(1, round(width * max(box_height_pt, 1) / max(box_width_pt, 1)))
    return width, height


def _trimmed(ink: Image.Image) -> Image.Image:
    box = ink.getchannel("A").getbbox()
    if box is None:
        raise SignatureImageRefused(
            "signature-image-blank", "No signature was found in the image: upload a picture of dark ink on light paper."
        )
    left, top, right, bottom = box
    pad = round(max(right - left, bottom - top) * _MARGIN)
    return ink.crop((max(0, left - pad), max(0, top - pad), min(ink.width, right + pad), min(ink.height, bottom + pad)))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)  # a new file: no chunk of the upload is copied
    return out.getvalue()


def prepare_signature(data: bytes, box_width_pt: float, box_height_pt: float) -> bytes:
    kind = detect_type(data[:HEAD_SIZE])
    if kind not in ACCEPTED:
        raise SignatureImageRefused("signature-image-type", "Upload a PNG or JPEG image of your signature.")
    check_single_file(data, kind)
    signature = _trimmed(ink_only(_decode(data)))
    signature.thumbnail(target_size(box_width_pt, box_height_pt), Image.Resampling.LANCZOS)
    encoded = _png(signature)
    # A noisy photo compresses badly: smaller until it fits what a signature may weigh.
    while len(encoded) > MAX_OUTPUT_BYTES and signature.width > 50:
        signature = signature.resize((signature.width * 3 // 4, max(1, signature.height * 3 // 4)))
        encoded = _png(signature)
    return encoded
