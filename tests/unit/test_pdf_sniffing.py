"""Type detection by magic bytes and the byte-level structure checks (no parser involved)."""

from __future__ import annotations

import pytest

from services.documents.pdf.magic import JPEG, PDF, PNG, WEBP, detect_type, normalise_declared
from services.documents.pdf.structure import has_eof_marker, xref_chain_problem
from tests import pdf_corpus as corpus


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (corpus.one_page_letter(), PDF),
        (corpus.make_image("PNG"), PNG),
        (corpus.make_image("JPEG"), JPEG),
        (corpus.make_image("WEBP"), WEBP),
        (corpus.html_page(), None),
        (corpus.zip_archive(), None),
        (corpus.random_bytes(), None),
        (b"", None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
        (b" %PDF-1.7", None),  # a prefix before the header is refused (polyglots)
    ],
)
def test_detect_type(data: bytes, expected: str | None) -> None:
    assert detect_type(data[:16]) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("application/pdf", PDF),
        ("Application/PDF; charset=binary", PDF),
        ("image/jpg", JPEG),
        ("image/x-png", PNG),
        (" image/webp ", WEBP),
        ("text/html", "text/html"),
    ],
)
def test_normalise_declared(declared: str, expected: str) -> None:
    assert normalise_declared(declared) == expected


def test_eof_marker() -> None:
    assert has_eof_marker(corpus.one_page_letter())
    assert has_eof_marker(corpus.one_page_letter() + b"\x00" * 500)  # padding after %%EOF is tolerated
    assert not has_eof_marker(corpus.truncated())


@pytest.mark.parametrize(
    "make", [corpus.minimal_raw_pdf, corpus.one_page_letter, corpus.mixed_with_rotated, corpus.encrypted]
)
def test_sound_xref_chains_pass(make: object) -> None:
    assert xref_chain_problem(make()) is None  # type: ignore[operator]


def test_incremental_update_with_a_proper_prev_passes() -> None:
    base = corpus.minimal_raw_pdf()
    first = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    update_at = len(base)
    update = b"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>\nendobj\n"
    xref_at = update_at + len(update)
    tail = (
        b"xref\n0 1\n0000000000 65535 f \n5 1\n%010d 00000 n \n" % update_at
        + b"trailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (first, xref_at)
    )
    assert xref_chain_problem(base + update + tail) is None


@pytest.mark.parametrize("make", [corpus.xref_prev_self, corpus.xref_prev_cycle])
def test_looping_xref_chains_are_reported(make: object) -> None:
    problem = xref_chain_problem(make())  # type: ignore[operator]
    assert problem is not None and "loops" in problem


def test_absurdly_long_chains_are_reported_and_ordinary_ones_pass() -> None:
    assert "more than" in (xref_chain_problem(corpus.long_xref_chain(1200)) or "")
    assert xref_chain_problem(corpus.long_xref_chain(50)) is None


def test_unreadable_chains_are_left_to_the_parser() -> None:
    assert xref_chain_problem(b"%PDF-1.7\nstartxref\n999999\n%%EOF") is None
    assert xref_chain_problem(corpus.random_bytes()) is None
