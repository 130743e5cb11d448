"""Page rendering for the signing page: scale steps and caps, cache keys, and the limited
renderer process itself (real child processes, real PDFs)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

from services.documents.adapters import page_render
from services.documents.adapters.page_render import RenderFailed, page_etag, page_key, render_page
from services.documents.adapters.page_render_worker import RenderReply
from services.documents.api.page_scale import RENDER_MAX_PIXELS, effective_scale, quantize_scale
from shared.contracts.pages import MAX_PIXELS, MAX_SIDE_PX
from tests.pdf_corpus import A4, LETTER, make_pdf


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (0.1, 0.5),
        (0.5, 0.5),
        (1, 1.0),
        (1.01, 1.5),
        (1.5, 1.5),
        (2.2, 2.5),
        (3, 3.0),
        (40, 3.0),
        (float("nan"), 2.0),
    ],
)
def test_scales_snap_up_to_a_few_steps(requested: float, expected: float) -> None:
    assert quantize_scale(requested) == expected


@pytest.mark.parametrize("size", [(14400.0, 14400.0), (14400.0, 200.0), (3000.0, 4000.0), LETTER, A4])
def test_every_image_stays_within_the_caps(size: tuple[float, float]) -> None:
    width, height = size
    scale = effective_scale(width, height, 3)
    # pdfium rounds each side up to a whole pixel
    pixels_w, pixels_h = int(width * scale) + 1, int(height * scale) + 1
    assert max(pixels_w, pixels_h) <= MAX_SIDE_PX + 1 and pixels_w * pixels_h <= MAX_PIXELS + MAX_SIDE_PX * 2
    assert effective_scale(*LETTER, 3) == 3.0  # ordinary pages are not capped


def test_cache_keys_live_under_the_document_and_name_fixed_bytes() -> None:
    key = page_key("org_1", "doc_1", "ab" * 32, 3, 1.5)
    assert key == f"documents/org_1/doc_1/pages/{'ab' * 32}/3@1.5x.png"
    assert page_key("org_1", "doc_1", "ab" * 32, 3, 2.0).endswith("/3@2x.png")
    assert page_key("../../x", "doc/../1", "cd" * 32, 1, 1.0).startswith("documents/x/1/pages/")
    assert page_etag("ab" * 32, 3, 1.5) == f'"{"ab" * 16}-3-1.5"'
    assert page_etag("ab" * 32, 3, 1.5) != page_etag("ab" * 32, 3, 2.0)


def test_renderer_replies_are_believed_only_when_well_formed() -> None:
    assert RenderReply.parse(b'{"ok": true, "width": 10, "height": 20, "message": ""}') == RenderReply(True, 10, 20, "")
    for raw in (
        b"",
        b"garbage",
        b'{"ok": "yes"}',
        b'{"ok": true, "width": 0, "height": 5}',
        b"[1]",
        b'{"ok": true, "width": 1.5, "height": 2}',
    ):
        assert RenderReply.parse(raw) is None, raw


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


async def test_a_page_renders_as_displayed(tmp_path: Path) -> None:
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(make_pdf([LETTER, LETTER, LETTER], rotate={1: 90}, cropbox={2: (50, 100, 450, 700)}))
    assert _size(
        await render_page(pdf, tmp_path / "1.png", 1, 1.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)
    ) == (612, 792)
    assert _size(
        await render_page(pdf, tmp_path / "2.png", 2, 1.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)
    ) == (792, 612)
    assert _size(
        await render_page(pdf, tmp_path / "3.png", 3, 2.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)
    ) == (800, 1200)


async def test_bad_input_ends_in_render_failed(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\nnot really a pdf")
    with pytest.raises(RenderFailed):
        await render_page(
            garbage, tmp_path / "g.png", 1, 1.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS
        )
    one = tmp_path / "one.pdf"
    one.write_bytes(make_pdf([LETTER]))
    with pytest.raises(RenderFailed, match="no page 2"):
        await render_page(one, tmp_path / "o.png", 2, 1.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)


async def test_the_renderer_is_held_to_its_memory_limit(tmp_path: Path) -> None:
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(make_pdf([LETTER]))
    # 40 MB of address space cannot even hold pdfium: the child fails, the parent reports it.
    with pytest.raises(RenderFailed, match="ended with status"):
        await render_page(pdf, tmp_path / "p.png", 1, 1.0, timeout_s=20, memory_mb=40, max_pixels=RENDER_MAX_PIXELS)


async def test_a_renderer_that_hangs_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for a file that makes pdfium spin: a process that never answers.
    monkeypatch.setattr(page_render, "WORKER_ARGV", [sys.executable, "-c", "import time; time.sleep(60)"])
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(make_pdf([LETTER]))
    with pytest.raises(RenderFailed, match="timed out"):
        await render_page(pdf, tmp_path / "p.png", 1, 1.0, timeout_s=1, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)


async def test_the_renderer_gets_none_of_the_services_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_SECRET", "s" * 40)
    monkeypatch.setenv("INTERNAL_SECRET", "i" * 40)
    # A stand-in worker that reports its environment where the PNG would go, then fails.
    report = tmp_path / "env.txt"
    monkeypatch.setattr(
        page_render,
        "WORKER_ARGV",
        [sys.executable, "-c", f"import os; open({str(report)!r}, 'w').write(' '.join(sorted(os.environ)))"],
    )
    pdf = tmp_path / "in.pdf"
    pdf.write_bytes(make_pdf([LETTER]))
    with pytest.raises(RenderFailed):
        await render_page(pdf, tmp_path / "p.png", 1, 1.0, timeout_s=20, memory_mb=768, max_pixels=RENDER_MAX_PIXELS)
    names = report.read_text().split()
    assert "PYTHONPATH" in names and "SIGNING_SECRET" not in names and "INTERNAL_SECRET" not in names
