"""Fitting things into boxes, as pure maths: images, text, check marks and image pages.

Text measurement is passed in as a function (`measure(text, size) -> width`), so this module knows
no font library and every rule here is unit-tested with a fake measure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .geometry import Rect

Measure = Callable[[str, float], float]

A4 = (595.2756, 841.8898)  # 210 x 297 mm
LETTER = (612.0, 792.0)  # 8.5 x 11 in
PAPERS: dict[str, tuple[float, float]] = {"a4": A4, "letter": LETTER}
IMAGE_MARGIN = 36.0  # 0.5 in around an image converted to a page


def inset(rect: Rect, padding: float) -> Rect:
    """Shrink a box on every side, never past its centre (tiny boxes keep a usable area)."""
    pad = max(0.0, min(padding, rect.width / 4, rect.height / 4))
    return Rect(rect.x + pad, rect.y + pad, rect.width - 2 * pad, rect.height - 2 * pad)


def fit_contain(src_width: float, src_height: float, box: Rect) -> Rect:
    """The largest rectangle of the source's aspect ratio inside `box`, centred in it."""
    if src_width <= 0 or src_height <= 0 or box.width <= 0 or box.height <= 0:
        return Rect(box.x + box.width / 2, box.y + box.height / 2, 0.0, 0.0)
    scale = min(box.width / src_width, box.height / src_height)
    w, h = src_width * scale, src_height * scale
    return Rect(box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h)


@dataclass(frozen=True, slots=True)
class TextFit:
    size: float  # font size in points
    lines: list[str]
    line_height: float  # baseline-to-baseline distance in points

    @property
    def block_height(self) -> float:
        return self.line_height * len(self.lines)


def wrap_words(text: str, measure: Measure, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters.

    Explicit newlines are kept, so a textarea's paragraphs survive."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if measure(candidate, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            # The word alone may still be too wide: cut it where it stops fitting.
            for ch in word:
                if current and measure(current + ch, size) > width:
                    lines.append(current)
                    current = ""
                current += ch
        lines.append(current)
    return lines


def fit_text(
    text: str,
    measure: Measure,
    width: float,
    height: float,
    *,
    max_size: float,
    min_size: float = 1.0,
    line_spacing: float = 1.2,
    wrap: bool = True,
    step: float = 0.5,
) -> TextFit:
    """The largest font size at which `text` fits the box, wrapping onto lines if allowed.

    Sizes are tried from `max_size` down in `step`s, so at each size a single line is preferred
    when it fits and wrapping is used only when it gives bigger text. Values on a signed document
    must never be lost, so when nothing fits even at `min_size` the text is still returned at
    `min_size` (it overflows the box rather than being cut)."""
    text = text.strip() if wrap else " ".join(text.split())
    if not text:
        return TextFit(min_size, [], min_size * line_spacing)
    size = max_size
    while size >= min_size:
        line_height = size * line_spacing
        if wrap:
            lines = wrap_words(text, measure, size, width)
        else:
            lines = [text] if measure(text, size) <= width else []
        if lines and len(lines) * line_height <= height + 1e-9:
            return TextFit(size, lines, line_height)
        size = round(size - step, 6)
    lines = wrap_words(text, measure, min_size, width) if wrap else [text]
    return TextFit(min_size, lines, min_size * line_spacing)


def baselines(box: Rect, fit: TextFit, ascent: float, descent: float) -> list[float]:
    """Baseline y of each line so the block is centred vertically in `box`.

    `ascent`/`descent` are the font's extents as fractions of the size (descent negative); each
    line's glyph extent is centred within its line slot, so a script font's long descenders and a
    sans font's short ones both look centred."""
    glyph_height = (ascent - descent) * fit.size
    top = box.top - (box.height - fit.block_height) / 2
    return [
        top - i * fit.line_height - (fit.line_height - glyph_height) / 2 - ascent * fit.size
        for i in range(len(fit.lines))
    ]


def check_mark(box: Rect) -> tuple[list[tuple[float, float]], float]:
    """Points of a check mark centred in the box's largest square, and its stroke width."""
    side = min(box.width, box.height)
    x0 = box.x + (box.width - side) / 2
    y0 = box.y + (box.height - side) / 2
    shape = [(0.18, 0.52), (0.40, 0.25), (0.82, 0.78)]
    return [(x0 + px * side, y0 + py * side) for px, py in shape], max(0.5, side * 0.12)


@dataclass(frozen=True, slots=True)
class ImagePage:
    page_size: tuple[float, float]
    placement: Rect  # where the image goes on the page, in points


def image_page(pixel_width: int, pixel_height: int, *, paper: str = "a4", margin: float = IMAGE_MARGIN) -> ImagePage:
    """Page layout for an image converted to PDF.

    The page is a standard paper size (so the result prints and its fields sit on a familiar page),
    turned landscape when the image is wider than tall; the image is scaled — up or down — to fill
    the area inside the margins, keeping its aspect ratio, and centred."""
    short, long_ = sorted(PAPERS[paper])
    size = (long_, short) if pixel_width > pixel_height else (short, long_)
    area = Rect(margin, margin, size[0] - 2 * margin, size[1] - 2 * margin)
    return ImagePage(size, fit_contain(pixel_width, pixel_height, area))


def closest_paper(width: float, height: float) -> tuple[float, float]:
    """A4 or Letter portrait, whichever is nearer the given page: used for the certificate page,
    so it matches the paper the document itself was laid out on."""
    short, long_ = sorted((width, height))
    return min((A4, LETTER), key=lambda p: abs(p[0] - short) + abs(p[1] - long_))


def share(width: float, weights: Sequence[float]) -> list[float]:
    """Split `width` into columns in proportion to `weights` (a table's column widths): the
    certificate's tables fill the text width whatever the paper, instead of fixed point sizes
    that leave a Letter page's margin blank or overflow a narrower one."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    return [width * w / total for w in weights]
