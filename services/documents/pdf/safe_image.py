"""Opening untrusted images without letting them allocate what they claim.

A PNG header can claim 100,000 x 100,000 pixels in a few hundred bytes; decoding it would need
tens of GB. Pillow reads the dimensions before decoding, so we check them against a pixel budget
first and pin the decoder to the format the magic bytes proved. Pillow's own guard
(`Image.MAX_IMAGE_PIXELS`: DecompressionBombError past twice the limit) stays on as a second line;
the checker process sets it to the upload budget. This module does not change it, nor warning
filters: both are process-global, and the service process may open signature images in threads.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .codes import RejectCode, Rejected
from .magic import HEAD_SIZE, JPEG, PILLOW_FORMATS, PNG, WEBP, detect_type

# Pixels an upload may decode to, per format, measured against the checker's default 512 MB
# address space with the file and the interpreter in it. Downscaling RGBA makes a premultiplied
# full-size copy (~8 bytes a pixel at the peak); Pillow's WebP decoder holds its own frame buffer
# besides the image (~16 bytes a pixel), hence its lower budget. JPEGs are decoded at a reduced
# DCT scale first (see `draft_size`), so a 48 MP or larger phone photo still passes.
UPLOAD_MAX_PIXELS = {PNG: 40_000_000, JPEG: 40_000_000, WEBP: 20_000_000}
# A signature pad is a few hundred pixels a side; 4 MP is generous and cheap.
SIGNATURE_MAX_PIXELS = 4_000_000

# Errors Pillow raises for corrupt or truncated data, as opposed to bugs in our code.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)


def open_untrusted(
    source: bytes | Path, *, max_pixels: int, declared: str | None = None, draft_size: tuple[int, int] | None = None
) -> Image.Image:
    """Open and fully decode an image, or raise Rejected (invalid_image / image_too_large).

    Only the first frame of an animated image is decoded. With `draft_size`, a JPEG is decoded
    at the smallest DCT scale (1/2, 1/4, 1/8) still at least that big: a fraction of the memory
    and time of a full decode that would be scaled down anyway."""
    data = source.read_bytes() if isinstance(source, Path) else source
    detected = detect_type(data[:HEAD_SIZE])
    if detected not in PILLOW_FORMATS:
        raise Rejected(RejectCode.INVALID_IMAGE, "The file is not a PNG, JPEG or WebP image.")
    if declared is not None and declared != detected:
        raise Rejected(RejectCode.TYPE_MISMATCH, f"The file was declared as {declared} but its content is {detected}.")
    try:
        image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[detected]])
        if image.width <= 0 or image.height <= 0:
            raise Rejected(RejectCode.INVALID_IMAGE, "The image has no pixels.")
        if draft_size is not None and detected == JPEG:
            image.draft("RGB", draft_size)  # changes `size` to what will actually be decoded
        width, height = image.size
        if width * height > max_pixels:
            raise Rejected(
                RejectCode.IMAGE_TOO_LARGE,
                f"The image is {width} x {height} pixels; at most {max_pixels:,} pixels are accepted.",
            )
        image.load()
    except Image.DecompressionBombError:
        raise Rejected(
            RejectCode.IMAGE_TOO_LARGE, f"The image is too large to process safely (more than {max_pixels:,} pixels)."
        ) from None
    except (Rejected, MemoryError):
        raise
    except _DECODE_ERRORS as exc:
        raise Rejected(RejectCode.INVALID_IMAGE, f"The image could not be decoded: {type(exc).__name__}.") from None
    return image


def flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency composited away, palettes and CMYK turned into plain RGB."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return image if image.mode == "RGB" else image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def check_signature_image(data: bytes) -> tuple[int, int]:
    """Validate a drawn signature at sign time; returns its pixel size or raises Rejected."""
    image = open_untrusted(data, max_pixels=SIGNATURE_MAX_PIXELS)
    return image.size
