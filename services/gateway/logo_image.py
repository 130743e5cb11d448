"""An organisation's logo as uploaded, checked and rebuilt from its pixels (pure: no I/O).

    prepare_logo(data) -> bytes   # a PNG of at most 600 x 200, or LogoRefused

The same checks as a signature picture (services/documents/pdf/signature_upload.py): PNG or JPEG
by magic bytes, no polyglot, decoded with a pixel budget checked before decoding; then turned
upright and written as a new PNG, transparency kept, so nothing but pixels reaches a signer's
page or inbox.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from services.documents.pdf.codes import RejectCode, Rejected
from services.documents.pdf.magic import HEAD_SIZE, detect_type
from services.documents.pdf.safe_image import open_untrusted
from services.documents.pdf.signature_upload import ACCEPTED, SignatureImageRefused, check_single_file

MAX_BYTES = 512 * 1024  # below MAX_BODY_BYTES: a logo needs no larger body than JSON does
MAX_PIXELS = 12_000_000
BOX = (600, 200)  # shown at most 2 rem tall on the page and 40 px in emails, sharp on dense screens


class LogoRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def prepare_logo(data: bytes) -> bytes:
    if detect_type(data[:HEAD_SIZE]) not in ACCEPTED:
        raise LogoRefused("logo-type", "Upload the logo as a PNG or JPEG image.")
    try:
        check_single_file(data, detect_type(data[:HEAD_SIZE]) or "")
    except SignatureImageRefused as exc:
        raise LogoRefused(exc.code.replace("signature-image", "logo"), exc.message) from None
    try:
        image = open_untrusted(data, max_pixels=MAX_PIXELS, draft_size=(BOX[0] * 2, BOX[1] * 2))
    except Rejected as exc:
        code = "logo-too-large" if exc.rejection.code is RejectCode.IMAGE_TOO_LARGE else "logo-invalid"
        raise LogoRefused(code, exc.rejection.message) from None
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        pass  # a broken orientation tag: keep the pixels as stored
    logo = image.convert("RGBA")
    logo.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, "PNG", optimize=True)
    return out.getvalue()
