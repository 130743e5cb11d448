"""Page coordinate systems, as pure maths (no PDF library in here).

Three spaces meet when a field is stamped:

* **field space** — what the API and the signing page use: points from the *top-left* corner of
  the page as a person sees it (after /Rotate), over the visible area (the CropBox);
* **display space** — the same visible page with PDF's usual *bottom-left* origin, y up;
* **user space** — the page's own unrotated coordinates, where its content stream draws, in which
  the visible area is the CropBox (clipped to the MediaBox) and may not start at (0, 0).

`PageGeometry.display_to_user()` gives the affine matrix that carries display space into user
space, so an overlay can be drawn upright in display coordinates and land in place on any page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# (a, b, c, d, e, f) as in a PDF `cm` operator: X = a*u + c*v + e, Y = b*u + d*v + f.
Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle by its corners, always normalised so x0 <= x1 and y0 <= y1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def from_corners(cls, values: Sequence[float]) -> Box:
        # PDF allows a rectangle's corners in any order ("[612 792 0 0]" is legal).
        ax, ay, bx, by = (float(v) for v in values)
        return cls(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def intersect(self, other: Box) -> Box | None:
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1, y1 = min(self.x1, other.x1), min(self.y1, other.y1)
        return Box(x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle by origin and size, in display space (bottom-left origin)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width


def normalise_rotation(value: object) -> int:
    """/Rotate as 0, 90, 180 or 270 (clockwise).

    The spec demands a multiple of 90; viewers ignore anything else, so we do too, and negative or
    >= 360 values wrap as they do in every viewer."""
    try:
        degrees = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
    return degrees % 360 if degrees % 90 == 0 else 0


def visible_box(mediabox: Box, cropbox: Box | None) -> Box:
    """The CropBox clipped to the MediaBox, as viewers show it; the MediaBox if they don't meet."""
    if cropbox is None:
        return mediabox
    return cropbox.intersect(mediabox) or mediabox


@dataclass(frozen=True, slots=True)
class PageGeometry:
    box: Box  # visible area in user space
    rotation: int  # 0, 90, 180 or 270, clockwise when displayed

    @classmethod
    def from_boxes(cls, mediabox: Sequence[float], cropbox: Sequence[float] | None, rotate: object) -> PageGeometry:
        media = Box.from_corners(mediabox)
        crop = Box.from_corners(cropbox) if cropbox is not None else None
        return cls(visible_box(media, crop), normalise_rotation(rotate))

    @property
    def display_size(self) -> tuple[float, float]:
        """Width and height as a person sees the page: the box, turned on its side for 90/270."""
        if self.rotation in (90, 270):
            return self.box.height, self.box.width
        return self.box.width, self.box.height

    def display_to_user(self) -> Matrix:
        """Matrix from display space to user space.

        Rotating clockwise by 90 moves the unrotated bottom-right corner to the displayed
        bottom-left, so display u runs up user y from x1, and display v runs left from x1; the
        other cases follow the same way round the corners."""
        b = self.box
        if self.rotation == 90:
            return (0.0, 1.0, -1.0, 0.0, b.x1, b.y0)
        if self.rotation == 180:
            return (-1.0, 0.0, 0.0, -1.0, b.x1, b.y1)
        if self.rotation == 270:
            return (0.0, -1.0, 1.0, 0.0, b.x0, b.y1)
        return (1.0, 0.0, 0.0, 1.0, b.x0, b.y0)

    def field_rect(self, x: float, y: float, width: float, height: float) -> Rect:
        """A field box given from the displayed top-left corner, in display space (bottom-left)."""
        _, display_height = self.display_size
        return Rect(x, display_height - y - height, width, height)

    def contains_field(self, x: float, y: float, width: float, height: float, *, tolerance: float = 0.01) -> bool:
        """Whether a field box lies on the visible page (what `send` must check)."""
        w, h = self.display_size
        return (
            width > 0
            and height > 0
            and x >= -tolerance
            and y >= -tolerance
            and x + width <= w + tolerance
            and y + height <= h + tolerance
        )


def apply(matrix: Matrix, u: float, v: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * u + c * v + e, b * u + d * v + f
