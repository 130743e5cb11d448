"""An organisation's logo as uploaded, checked and rebuilt from its pixels (pure: no I/O).

    prepare_logo(data) -> bytes   # a PNG of at most 600 x 200, or LogoRefused

The same checks as a signature picture (signature_upload.py): PNG or JPEG by magic bytes, no
polyglot, decoded with a pixel budget checked before decoding; then turned upright and written as
a new PNG, transparency kept, so nothing but pixels reaches a signer's page or inbox. It runs as
the `logo` job of the sandbox pool (adapters/sandbox_worker.py), for the gateway's PUT
/api/v1/org/logo (api/logo_routes.py): a stranger's image is never decoded in a service.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from .codes import RejectCode, Rejected
from .magic import HEAD_SIZE, detect_type
from .safe_image import open_untrusted
from .signature_upload import ACCEPTED, SignatureImageRefused, check_single_file

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
