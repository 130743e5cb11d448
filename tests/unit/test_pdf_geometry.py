"""Coordinate transforms between field space (top-left, as displayed) and PDF user space."""

from __future__ import annotations

import pytest

from services.documents.pdf.geometry import Box, PageGeometry, apply, normalise_rotation, visible_box

LETTER = Box(0, 0, 612, 792)


def user_point(geometry: PageGeometry, x: float, y: float) -> tuple[float, float]:
    """Where a point given from the displayed top-left lands in user space."""
    _, height = geometry.display_size
    return apply(geometry.display_to_user(), x, height - y)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (90, 90),
        (180, 180),
        (270, 270),
        (360, 0),
        (450, 90),
        (-90, 270),
        (45, 0),
        (None, 0),
        ("90", 90),
        ("x", 0),
    ],
)
def test_rotation_is_normalised_like_viewers_do(value: object, expected: int) -> None:
    assert normalise_rotation(value) == expected


def test_box_corners_in_any_order_are_normalised() -> None:
    assert Box.from_corners([612, 792, 0, 0]) == LETTER


def test_visible_box_is_cropbox_clipped_to_mediabox() -> None:
    assert visible_box(LETTER, Box(50, 60, 700, 760)) == Box(50, 60, 612, 760)
    assert visible_box(LETTER, None) == LETTER
    assert visible_box(LETTER, Box(1000, 1000, 1100, 1100)) == LETTER  # disjoint: ignored


@pytest.mark.parametrize(
    ("rotation", "size"), [(0, (612, 792)), (90, (792, 612)), (180, (612, 792)), (270, (792, 612))]
)
def test_display_size_swaps_for_quarter_turns(rotation: int, size: tuple[float, float]) -> None:
    assert PageGeometry(LETTER, rotation).display_size == size


# For each rotation: the user-space point shown at the displayed top-left, top-right and bottom-left.
# Rotating 90 clockwise puts the unrotated left edge on top, so the displayed top-left is user (0, 0).
CORNERS = {
    0: {"top_left": (0, 792), "top_right": (612, 792), "bottom_left": (0, 0)},
    90: {"top_left": (0, 0), "top_right": (0, 792), "bottom_left": (612, 0)},
    180: {"top_left": (612, 0), "top_right": (0, 0), "bottom_left": (612, 792)},
    270: {"top_left": (612, 792), "top_right": (612, 0), "bottom_left": (0, 792)},
}


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_displayed_corners_map_to_the_right_user_corners(rotation: int) -> None:
    geometry = PageGeometry(LETTER, rotation)
    w, h = geometry.display_size
    expected = CORNERS[rotation]
    assert user_point(geometry, 0, 0) == pytest.approx(expected["top_left"])
    assert user_point(geometry, w, 0) == pytest.approx(expected["top_right"])
    assert user_point(geometry, 0, h) == pytest.approx(expected["bottom_left"])


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_offset_cropbox_shifts_every_point(rotation: int) -> None:
    """A CropBox starting at (50, 60) moves the whole display space by that offset."""
    plain = PageGeometry(Box(0, 0, 400, 700), rotation)
    cropped = PageGeometry(Box(50, 60, 450, 760), rotation)
    for x, y in [(0, 0), (10, 20), (123.5, 456.25)]:
        px, py = user_point(plain, x, y)
        assert user_point(cropped, x, y) == pytest.approx((px + 50, py + 60))


def test_matrix_is_a_pure_rotation_plus_translation() -> None:
    for rotation in (0, 90, 180, 270):
        a, b, c, d, _, _ = PageGeometry(LETTER, rotation).display_to_user()
        assert a * d - b * c == pytest.approx(1.0)  # no mirroring, no scaling


def test_field_rect_flips_the_y_axis() -> None:
    geometry = PageGeometry(LETTER, 0)
    rect = geometry.field_rect(100, 650, 200, 60)
    assert (rect.x, rect.y, rect.width, rect.height) == (100, 792 - 650 - 60, 200, 60)
    assert rect.top == 792 - 650


def test_field_rect_uses_the_displayed_height_on_rotated_pages() -> None:
    rect = PageGeometry(LETTER, 90).field_rect(10, 20, 30, 40)
    assert rect.y == 612 - 20 - 40


def test_contains_field() -> None:
    geometry = PageGeometry(LETTER, 90)  # displayed 792 x 612
    assert geometry.contains_field(0, 0, 792, 612)
    assert geometry.contains_field(700, 500, 92, 112)
    assert not geometry.contains_field(700, 500, 93, 10)
    assert not geometry.contains_field(-1, 0, 10, 10)
    assert not geometry.contains_field(0, 0, 0, 10)


def test_from_boxes_reads_raw_pdf_values() -> None:
    geometry = PageGeometry.from_boxes([0, 0, 612, 792], [612, 792, 12, 12], 270)
    assert geometry.box == Box(12, 12, 612, 792)
    assert geometry.display_size == (780, 600)
