"""Draw filled field values onto a one-page overlay PDF that is merged onto an original page.

The canvas is first transformed by the page's display→user matrix (see `geometry`), so every
field is drawn upright in display coordinates and lands in the right place on rotated pages
and pages whose CropBox does not start at (0, 0).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from . import fonts
from .codes import Rejected
from .geometry import PageGeometry, Rect
from .layout import baselines, check_mark, fit_contain, fit_text, inset
from .models import DrawnSignature, StampField, TypedSignature
from .safe_image import SIGNATURE_MAX_PIXELS, open_untrusted
from .values import display_text

INK = (0.05, 0.11, 0.40)  # signatures and marks: a pen-like dark blue, distinct from print
TEXT = (0.07, 0.07, 0.07)  # filled-in values
TEXT_MAX_SIZE = 12.0  # a large box still gets body-size text, not a headline
SIGNATURE_MAX_SIZE = 72.0
MIN_SIZE = 4.0
PADDING = 2.0
SIGNATURE_TYPES = frozenset({"signature", "initials"})


def _draw_text(c: canvas.Canvas, box: Rect, text: str, font: str, *, max_size: float, wrap: bool) -> None:
    m = fonts.metrics(font)
    spacing = max(1.15, m.ascent - m.descent)  # script fonts have tall extents: give them room
    fit = fit_text(
        text,
        lambda s, size: fonts.width(font, s, size),
        box.width,
        box.height,
        max_size=max_size,
        min_size=MIN_SIZE,
        line_spacing=spacing,
        wrap=wrap,
    )
    c.setFont(font, fit.size)
    for line, baseline in zip(fit.lines, baselines(box, fit, m.ascent, m.descent), strict=True):
        c.drawString(box.x, baseline, line)


def _draw_image(c: canvas.Canvas, box: Rect, data: bytes) -> None:
    image = open_untrusted(data, max_pixels=SIGNATURE_MAX_PIXELS)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    placed = fit_contain(image.width, image.height, box)
    # mask="auto" keeps a PNG's alpha channel (as an SMask), so a drawn signature does not
    # paint a white rectangle over the document's lines.
    c.drawImage(ImageReader(image), placed.x, placed.y, placed.width, placed.height, mask="auto")


def _draw_check(c: canvas.Canvas, box: Rect) -> None:
    points, stroke = check_mark(box)
    c.setLineWidth(stroke)
    c.setLineCap(1)
    c.setLineJoin(1)
    path = c.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    c.drawPath(path, stroke=1, fill=0)


def draw_field(c: canvas.Canvas, rect: Rect, field: StampField) -> None:
    value = field.value
    if value is None or value is False:
        return
    box = inset(rect, PADDING)
    if isinstance(value, DrawnSignature):
        _draw_image(c, box, value.image)
    elif value is True:
        c.setStrokeColorRGB(*INK)
        _draw_check(c, box)
    elif isinstance(value, TypedSignature) or (field.type in SIGNATURE_TYPES and isinstance(value, str)):
        signature = value.text if isinstance(value, TypedSignature) else value
        c.setFillColorRGB(*INK)
        _draw_text(c, box, signature, fonts.script_or_fallback(signature), max_size=SIGNATURE_MAX_SIZE, wrap=False)
    elif text := display_text(field.type, value, field.language):
        c.setFillColorRGB(*TEXT)
        _draw_text(c, box, text, fonts.SANS, max_size=TEXT_MAX_SIZE, wrap=True)


def render_overlay(geometry: PageGeometry, fields: Sequence[StampField]) -> bytes:
    """A one-page PDF holding `fields`, in the user space of the page described by `geometry`."""
    fonts.register()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=geometry.display_size, invariant=1, pageCompression=1)
    c.transform(*geometry.display_to_user())
    for field in fields:
        rect = geometry.field_rect(field.x, field.y, field.width, field.height)
        c.saveState()
        try:
            draw_field(c, rect, field)
        except Rejected as exc:
            raise ValueError(f"field on page {field.page}: {exc.rejection.message}") from None
        c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()
