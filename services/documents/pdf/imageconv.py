"""PNG/JPEG/WebP upload → one-page PDF. Runs inside the limited checker process.

Layout (see `layout.image_page`): an A4 page (or Letter, on request), landscape when the image is
wider than tall, the image scaled to fill the area inside 0.5 in margins and centred. A standard
paper size rather than a page sized to the image at 72 dpi, because a phone photo at 72 dpi is a
page over a metre wide: it would print badly and put fields at unfamiliar coordinates.

The embedded image is downscaled to at most 200 dpi at its printed size (sharp on paper and on
screen, a fraction of a 12 MP photo's bytes). Photos (JPEG, WebP) are embedded as JPEG, PNGs
losslessly, as they usually hold scans or screenshots of text.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image

from .layout import IMAGE_MARGIN, PAPERS, ImagePage, image_page
from .magic import HEAD_SIZE, PNG, detect_type
from .safe_image import UPLOAD_MAX_PIXELS, flatten, open_untrusted

EMBED_DPI = 200
JPEG_QUALITY = 90

# EXIF orientation tag → the transpose that shows the image upright (as ImageOps.exif_transpose),
# applied from the tag read before downscaling rather than re-read from a converted copy.
_T = Image.Transpose
_ORIENTATION_TRANSPOSE = {
    2: _T.FLIP_LEFT_RIGHT,
    3: _T.ROTATE_180,
    4: _T.FLIP_TOP_BOTTOM,
    5: _T.TRANSPOSE,
    6: _T.ROTATE_270,
    7: _T.TRANSVERSE,
    8: _T.ROTATE_90,
}


def _target_pixels(page: ImagePage) -> tuple[int, int]:
    return (
        max(1, math.ceil(page.placement.width / 72 * EMBED_DPI)),
        max(1, math.ceil(page.placement.height / 72 * EMBED_DPI)),
    )


def prepare_image(data: bytes, *, paper: str = "a4") -> tuple[Image.Image, ImagePage, str]:
    """Decode safely, apply EXIF orientation, scale down, flatten: the image as it will be embedded.

    Returns the image, its page layout and the embedding format ("JPEG" or "PNG")."""
    detected = detect_type(data[:HEAD_SIZE])
    # Decode no larger than needed for the biggest placement the image could get on this paper.
    longest_side = math.ceil((max(PAPERS[paper]) - 2 * IMAGE_MARGIN) / 72 * EMBED_DPI)
    max_pixels = UPLOAD_MAX_PIXELS.get(detected or "", 0)
    image = open_untrusted(data, max_pixels=max_pixels, draft_size=(longest_side, longest_side))
    # Orientation must be known before the layout (a portrait photo is often stored landscape),
    # but the rotation itself is done after downscaling, on far fewer pixels.
    orientation = image.getexif().get(0x0112, 1)
    width, height = image.size
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    page = image_page(*upright, paper=paper)
    target = _target_pixels(page)
    stored_target = (target[1], target[0]) if orientation in (5, 6, 7, 8) else target
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        # Palette, CMYK, 16-bit...: resample in a mode Pillow's filters handle, alpha kept.
        image = image.convert("RGBA")
    if image.width > stored_target[0] or image.height > stored_target[1]:
        image.thumbnail(stored_target, Image.Resampling.LANCZOS)
    transpose = _ORIENTATION_TRANSPOSE.get(orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    fmt = "PNG" if detected == PNG else "JPEG"
    return flatten(image), page, fmt


def image_to_pdf(data: bytes, out_path: Path, *, paper: str = "a4") -> tuple[float, float]:
    """Write the one-page PDF for an image to `out_path`; returns the page size in points."""
    # Imported here: only the checker needs reportlab for this, and it is heavy to import.
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    # ASCII85 would add a quarter to every image stream for no gain; this process is the
    # short-lived checker, so changing reportlab's global default affects nothing else.
    rl_config.useA85 = 0
    image, page, fmt = prepare_image(data, paper=paper)
    if fmt == "JPEG":
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        buf.seek(0)
        reader = ImageReader(buf)  # a JPEG file object is embedded as-is (DCTDecode)
    else:
        reader = ImageReader(image)
    c = canvas.Canvas(str(out_path), pagesize=page.page_size, invariant=1, pageCompression=1)
    c.setCreator("Countersign")
    p = page.placement
    c.drawImage(reader, p.x, p.y, p.width, p.height)
    c.showPage()
    c.save()
    return page.page_size
