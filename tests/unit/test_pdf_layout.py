"""Fitting images, text and marks into boxes; the image-to-page layout."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from services.documents.pdf.geometry import Rect
from services.documents.pdf.layout import (
    A4,
    IMAGE_MARGIN,
    LETTER,
    TextFit,
    baselines,
    check_mark,
    closest_paper,
    fit_contain,
    fit_text,
    image_page,
    inset,
    wrap_words,
)


def mono(text: str, size: float) -> float:
    """A fake monospaced font: every character is 0.5 em wide."""
    return len(text) * size * 0.5


def inside(inner: Rect, outer: Rect) -> bool:
    eps = 1e-6
    return (
        inner.x >= outer.x - eps
        and inner.y >= outer.y - eps
        and inner.right <= outer.right + eps
        and inner.top <= outer.top + eps
    )


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ((300, 100), Rect(0, 10, 120, 40)),  # wide image: full width, centred vertically
        ((100, 100), Rect(30, 0, 60, 60)),  # square: full height, centred horizontally
        ((10, 5), Rect(0, 0, 120, 60)),  # small image of the box's ratio: scaled up to fill
    ],
)
def test_fit_contain_keeps_aspect_ratio_and_centres(src: tuple[int, int], expected: Rect) -> None:
    box = Rect(0, 0, 120, 60)
    placed = fit_contain(*src, box)
    assert (placed.x, placed.y, placed.width, placed.height) == pytest.approx(
        (expected.x, expected.y, expected.width, expected.height)
    )
    assert placed.width / placed.height == pytest.approx(src[0] / src[1])
    assert inside(placed, box)


def test_fit_contain_with_offset_box_and_degenerate_source() -> None:
    assert fit_contain(100, 50, Rect(10, 20, 100, 100)) == Rect(10, 45, 100, 50)
    assert fit_contain(0, 10, Rect(0, 0, 10, 10)).width == 0


def test_inset_never_inverts_a_small_box() -> None:
    assert inset(Rect(0, 0, 100, 40), 2) == Rect(2, 2, 96, 36)
    tiny = inset(Rect(0, 0, 4, 4), 2)
    assert tiny.width > 0 and tiny.height > 0


def test_single_line_uses_the_largest_size_that_fits() -> None:
    fit = fit_text("Hello", mono, 100, 30, max_size=12)
    assert astuple(fit) == (12, ["Hello"], pytest.approx(14.4))  # every field, the last approximately
    narrow = fit_text("Hello world", mono, 40, 30, max_size=12, wrap=False)
    assert narrow.lines == ["Hello world"] and mono("Hello world", narrow.size) <= 40
    assert mono("Hello world", narrow.size + 0.5) > 40  # and no larger size would have fitted


def test_wrapping_is_used_when_it_gives_bigger_text() -> None:
    fit = fit_text("one two three four", mono, 50, 40, max_size=12)
    assert len(fit.lines) > 1
    assert " ".join(fit.lines) == "one two three four"
    assert len(fit.lines) * fit.line_height <= 40
    assert all(mono(line, fit.size) <= 50 for line in fit.lines)


def test_text_is_never_dropped_even_when_it_cannot_fit() -> None:
    text = "word " * 200
    fit = fit_text(text, mono, 30, 10, max_size=12, min_size=4)
    assert fit.size == 4
    assert " ".join(fit.lines).split() == text.split()


def test_explicit_newlines_and_overlong_words() -> None:
    assert wrap_words("a b\nc", mono, 10, 100) == ["a b", "c"]
    lines = wrap_words("abcdefghij", mono, 10, 20)  # 4 characters per line
    assert lines == ["abcd", "efgh", "ij"]


def test_empty_text_gives_no_lines() -> None:
    assert fit_text("   ", mono, 50, 20, max_size=12).lines == []


def test_baselines_centre_the_block() -> None:
    box = Rect(0, 0, 100, 50)
    fit = TextFit(10, ["a", "b"], 12)
    first, second = baselines(box, fit, ascent=0.8, descent=-0.2)
    assert first - second == pytest.approx(12)
    # Glyph extents: top of line 1 and bottom of line 2 are equally far from the box edges.
    top_gap = box.top - (first + 0.8 * 10)
    bottom_gap = (second - 0.2 * 10) - box.y
    assert top_gap == pytest.approx(bottom_gap)


def test_check_mark_stays_inside_its_box() -> None:
    box = Rect(10, 10, 40, 20)
    points, stroke = check_mark(box)
    assert len(points) == 3 and stroke > 0
    assert all(box.x <= x <= box.right and box.y <= y <= box.top for x, y in points)


@pytest.mark.parametrize(
    ("pixels", "paper", "page"),
    [
        ((3000, 4000), "a4", A4),
        ((4000, 3000), "a4", (A4[1], A4[0])),
        ((1000, 1000), "letter", LETTER),
    ],
)
def test_image_page_orientation_and_margins(pixels: tuple[int, int], paper: str, page: tuple[float, float]) -> None:
    layout = image_page(*pixels, paper=paper)
    assert layout.page_size == pytest.approx(page)
    area = Rect(IMAGE_MARGIN, IMAGE_MARGIN, page[0] - 2 * IMAGE_MARGIN, page[1] - 2 * IMAGE_MARGIN)
    placed = layout.placement
    assert inside(placed, area)
    assert placed.width / placed.height == pytest.approx(pixels[0] / pixels[1])
    # It fills the area in one direction.
    assert placed.width == pytest.approx(area.width) or placed.height == pytest.approx(area.height)


def test_closest_paper() -> None:
    assert closest_paper(612, 792) == LETTER
    assert closest_paper(842, 595) == A4
    assert closest_paper(590, 835) == A4
    assert closest_paper(400, 700) == LETTER  # nearer Letter than A4 by total difference
