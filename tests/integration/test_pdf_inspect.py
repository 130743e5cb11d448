"""inspect_file end to end: the real checker process against valid files and the hostile corpus,
plus stand-in checkers that crash, hang, spawn, lie or flood, to prove every ending is a clean
rejection and no process outlives the call."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from services.documents.pdf import inspect_file, verify
from services.documents.pdf.codes import RejectCode
from services.documents.pdf.layout import A4, LETTER
from tests import pdf_corpus as corpus

PDF = "application/pdf"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- valid files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "sizes"),
    [
        (corpus.one_page_letter, [LETTER]),
        (corpus.three_page_a4, [A4, A4, A4]),
        # Page 2 is A4 with /Rotate 90 (shown landscape); page 3 is A4 cropped to 400 x 700.
        (corpus.mixed_with_rotated, [LETTER, (A4[1], A4[0]), (400.0, 700.0)]),
        (corpus.minimal_raw_pdf, [LETTER]),
        # Boxes and /Rotate inherited from the page tree: CropBox 572 x 732, turned a quarter.
        (corpus.inherited_attributes, [(732.0, 572.0)]),
    ],
)
async def test_valid_pdf(tmp_path: Path, make: Callable[[], bytes], sizes: list[tuple[float, float]]) -> None:
    data = make()
    result = await inspect_file(write(tmp_path, "doc.pdf", data), PDF)
    assert result.ok, result.reason
    assert result.reason is None and result.code is None
    assert result.detected_type == PDF
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.page_count == len(sizes)
    assert [pytest.approx(s, abs=0.01) for s in sizes] == list(result.page_sizes)


async def test_page_cap_is_configurable(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.pdf", corpus.three_page_a4())
    assert (await inspect_file(path, PDF, max_pages=3)).ok
    result = await inspect_file(path, PDF, max_pages=2)
    assert result.code is RejectCode.TOO_MANY_PAGES
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # still reported for the record


# --- images ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "declared", "pixels", "paper", "page"),
    [
        ("PNG", "image/png", (400, 300), "a4", (A4[1], A4[0])),
        ("JPEG", "image/jpeg", (300, 400), "a4", A4),
        ("WEBP", "image/webp", (300, 400), "letter", LETTER),
    ],
)
async def test_image_converts_to_one_page_pdf(
    tmp_path: Path, fmt: str, declared: str, pixels: tuple[int, int], paper: str, page: tuple[float, float]
) -> None:
    data = corpus.make_image(fmt, pixels)
    out = tmp_path / "converted.pdf"
    result = await inspect_file(write(tmp_path, "upload", data), declared, convert_to=out, paper=paper)
    assert result.ok, result.reason
    assert result.detected_type == declared
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    assert result.page_count == 1 and result.page_sizes == (pytest.approx(page, abs=0.01),)

    assert result.converted is not None and result.converted.path == out
    pdf_bytes = out.read_bytes()
    assert result.converted.size == len(pdf_bytes)
    assert result.converted.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == pytest.approx(
        page, abs=0.01
    )
    assert len(reader.pages[0].images) == 1

    # The converted PDF itself passes verification with the same page facts.
    again = await inspect_file(out, PDF)
    assert again.ok and again.page_sizes == result.page_sizes


async def test_sideways_phone_photo_gets_a_portrait_page(tmp_path: Path) -> None:
    # Stored 400 x 300 with EXIF orientation 6: shown 300 x 400, so the page is portrait A4.
    data = corpus.make_image("JPEG", (400, 300), exif_orientation=6)
    out = tmp_path / "converted.pdf"
    result = await inspect_file(write(tmp_path, "photo.jpg", data), "image/jpeg", convert_to=out)
    assert result.ok and result.page_sizes == (pytest.approx(A4, abs=0.01),)
    image = PdfReader(out).pages[0].images[0].image
    assert image is not None and image.height > image.width


async def test_cmyk_jpeg_converts(tmp_path: Path) -> None:
    data = corpus.make_image("JPEG", (300, 200), mode="CMYK")
    result = await inspect_file(write(tmp_path, "cmyk.jpg", data), "image/jpeg", convert_to=tmp_path / "out.pdf")
    assert result.ok, result.reason


async def test_transparent_png_and_image_without_conversion(tmp_path: Path) -> None:
    path = write(tmp_path, "sig.png", corpus.make_image("PNG", (200, 100), mode="RGBA"))
    result = await inspect_file(path, "image/png")
    assert result.ok and result.page_count == 1 and result.converted is None


# --- active content ----------------------------------------------------------------------------


async def test_active_content_is_removed_in_a_clean_copy(tmp_path: Path) -> None:
    data = corpus.active_content_pdf()
    upload = write(tmp_path, "upload.pdf", data)
    out = tmp_path / "cleaned.pdf"
    result = await inspect_file(upload, PDF, clean_to=out)

    assert result.ok, result.reason
    assert result.removed == (
        "additional_actions",
        "embedded_file",
        "javascript",
        "launch",
        "open_action",
        "remote_goto",
        "submit_form",
        "unsafe_link",
        "xfa",
    )
    # The upload is judged (and hashed) as it came; the copy is the one without active content.
    assert upload.read_bytes() == data and result.sha256 == hashlib.sha256(data).hexdigest()
    cleaned = out.read_bytes()
    assert result.cleaned is not None and result.cleaned.path == out
    assert (result.cleaned.size, result.cleaned.sha256) == (len(cleaned), hashlib.sha256(cleaned).hexdigest())
    assert corpus.active_markers(cleaned) == set()
    assert corpus.link_uris(cleaned) == [corpus.LINK_URL]
    # The clean copy is itself an acceptable upload with the same pages, and nothing left to remove.
    again = await inspect_file(out, PDF, clean_to=tmp_path / "again.pdf")
    assert again.ok and again.page_sizes == result.page_sizes and again.removed == ()
    assert again.cleaned is None and not (tmp_path / "again.pdf").exists()


async def test_without_clean_to_active_content_is_reported_only(tmp_path: Path) -> None:
    result = await inspect_file(write(tmp_path, "upload.pdf", corpus.active_content_pdf()), PDF)
    assert result.ok and "javascript" in result.removed and result.cleaned is None
    assert sorted(path.name for path in tmp_path.iterdir()) == ["upload.pdf"]


async def test_a_pdf_without_active_content_gets_no_copy(tmp_path: Path) -> None:
    out = tmp_path / "cleaned.pdf"
    result = await inspect_file(write(tmp_path, "doc.pdf", corpus.harmless_interactive_pdf()), PDF, clean_to=out)
    assert result.ok and result.removed == () and result.cleaned is None and not out.exists()


# --- hostile corpus ----------------------------------------------------------------------------

HOSTILE: list[tuple[str, Callable[[], bytes], str, RejectCode]] = [
    ("decompression bomb", corpus.decompression_bomb, PDF, RejectCode.RESOURCE_LIMIT),
    ("object referring to itself", corpus.self_referencing_object, PDF, RejectCode.UNPARSEABLE),
    ("circular /Kids", corpus.circular_kids, PDF, RejectCode.UNPARSEABLE),
    ("circular /Parent", corpus.circular_parent, PDF, RejectCode.UNPARSEABLE),
    ("/Prev pointing at itself", corpus.xref_prev_self, PDF, RejectCode.UNPARSEABLE),
    ("/Prev cycle", corpus.xref_prev_cycle, PDF, RejectCode.UNPARSEABLE),
    ("1200-section xref chain", corpus.long_xref_chain, PDF, RejectCode.UNPARSEABLE),
    ("arrays nested 100,000 deep", corpus.deep_nesting, PDF, RejectCode.UNPARSEABLE),
    ("truncated", corpus.truncated, PDF, RejectCode.TRUNCATED),
    ("encrypted", corpus.encrypted, PDF, RejectCode.ENCRYPTED),
    ("random bytes", corpus.random_bytes, PDF, RejectCode.NOT_A_PDF),
    ("HTML", corpus.html_page, PDF, RejectCode.NOT_A_PDF),
    ("ZIP", corpus.zip_archive, PDF, RejectCode.NOT_A_PDF),
    ("PNG declared as PDF", lambda: corpus.make_image("PNG"), PDF, RejectCode.TYPE_MISMATCH),
    ("PDF declared as PNG", corpus.one_page_letter, "image/png", RejectCode.TYPE_MISMATCH),
    ("random bytes declared as JPEG", corpus.random_bytes, "image/jpeg", RejectCode.INVALID_IMAGE),
    ("PNG cut short", lambda: corpus.make_image("PNG")[:200], "image/png", RejectCode.INVALID_IMAGE),
    ("pixel bomb", corpus.pixel_bomb_png, "image/png", RejectCode.IMAGE_TOO_LARGE),
    ("zero pages", corpus.zero_page_pdf, PDF, RejectCode.EMPTY),
    ("501 pages", lambda: corpus.many_pages(501), PDF, RejectCode.TOO_MANY_PAGES),
    ("unsupported declared type", corpus.one_page_letter, "text/html", RejectCode.UNSUPPORTED_TYPE),
]


@pytest.mark.parametrize(
    ("make", "declared", "code"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
async def test_hostile_file_is_rejected(
    tmp_path: Path, make: Callable[[], bytes], declared: str, code: RejectCode
) -> None:
    data = make()
    out = tmp_path / "converted.pdf"
    result = await inspect_file(write(tmp_path, "upload", data), declared, convert_to=out)
    assert not result.ok
    assert result.code is code, result.reason
    assert result.reason is not None and len(result.reason.message) > 10
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.converted is None and not out.exists()


async def test_empty_missing_and_too_large_are_judged_without_a_checker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "WORKER_ARGV", ["/nonexistent/checker"])  # would raise if started
    assert (await inspect_file(write(tmp_path, "empty.pdf", b""), PDF)).code is RejectCode.EMPTY
    assert (await inspect_file(tmp_path / "absent.pdf", PDF)).code is RejectCode.MISSING
    big = write(tmp_path, "big.pdf", corpus.one_page_letter() + b"\n" * 2000)
    result = await inspect_file(big, PDF, max_bytes=1024)
    assert result.code is RejectCode.TOO_LARGE and result.size == big.stat().st_size


async def test_memory_limit_becomes_a_rejection(tmp_path: Path) -> None:
    # 64 MB is less than pypdf's own 75 MB decompression cap: the address-space limit trips first.
    result = await inspect_file(write(tmp_path, "bomb.pdf", corpus.decompression_bomb(1)), PDF, memory_mb=64)
    assert result.code is RejectCode.RESOURCE_LIMIT


async def test_wall_clock_limit_becomes_a_timeout(tmp_path: Path) -> None:
    result = await inspect_file(write(tmp_path, "doc.pdf", corpus.one_page_letter()), PDF, timeout_s=0.01)
    assert result.code is RejectCode.TIMEOUT
    assert result.sha256 is not None


# --- misbehaving checkers ----------------------------------------------------------------------


def fake_checker(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Replace the checker by a Python script; it gets the request JSON as sys.argv[1]."""
    monkeypatch.setattr(verify, "WORKER_ARGV", [sys.executable, "-c", script])


def is_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie no longer runs
    except FileNotFoundError:
        return True


async def wait_gone(pid: int) -> bool:
    """SIGKILL is asynchronous: give the kernel a moment to finish the process off."""
    for _ in range(100):
        if is_gone(pid):
            return True
        await asyncio.sleep(0.05)
    return False


VALID_REPLY = json.dumps({"ok": True, "detected_type": PDF, "page_count": 1, "page_sizes": [[612, 792]]})


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", RejectCode.CHECKER_FAILED),
        ("import os; os.abort()", RejectCode.CHECKER_FAILED),
        ("import sys; sys.exit(3)", RejectCode.CHECKER_FAILED),
        ("print('not json')", RejectCode.CHECKER_FAILED),
        # A reply that is well-formed JSON but inconsistent is not believed.
        (
            'print(\'{"ok": true, "detected_type": "application/pdf", "page_count": 9, "page_sizes": []}\')',
            RejectCode.CHECKER_FAILED,
        ),
        ("raise MemoryError", RejectCode.RESOURCE_LIMIT),
        ("import os, signal; os.kill(os.getpid(), signal.SIGXCPU)", RejectCode.TIMEOUT),
        ("import sys; sys.stdout.write('x' * (8 << 20))", RejectCode.RESOURCE_LIMIT),  # floods stdout
        ("import time; time.sleep(600)", RejectCode.TIMEOUT),
    ],
)
async def test_checker_failures_become_rejections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, code: RejectCode
) -> None:
    fake_checker(monkeypatch, script)
    result = await inspect_file(write(tmp_path, "doc.pdf", corpus.one_page_letter()), PDF, timeout_s=2)
    assert not result.ok
    assert result.code is code, result.reason


async def test_a_noisy_checker_does_not_deadlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 32 MB on stderr is far past the pipe buffer: it must be drained while the child runs.
    fake_checker(monkeypatch, f"import sys; sys.stderr.write('w' * (32 << 20)); print({VALID_REPLY!r})")
    result = await inspect_file(write(tmp_path, "doc.pdf", corpus.one_page_letter()), PDF, timeout_s=15)
    assert result.ok and result.page_sizes == ((612.0, 792.0),)


SPAWNER = """
import json, subprocess, sys, time
request = json.loads(sys.argv[1])
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(request["path"] + ".pids", "w").write(f"{child.pid}")
time.sleep(600)
"""


async def test_timeout_kills_the_whole_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_checker(monkeypatch, SPAWNER)
    path = write(tmp_path, "doc.pdf", corpus.one_page_letter())
    result = await inspect_file(path, PDF, timeout_s=3)
    assert result.code is RejectCode.TIMEOUT
    grandchild = int(Path(str(path) + ".pids").read_text())
    assert await wait_gone(grandchild)


async def test_cancelling_the_caller_kills_the_checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_checker(monkeypatch, SPAWNER)
    path = write(tmp_path, "doc.pdf", corpus.one_page_letter())
    pid_file = Path(str(path) + ".pids")
    task = asyncio.create_task(inspect_file(path, PDF, timeout_s=60))
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_gone(int(pid_file.read_text()))


async def test_checker_runs_with_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real checker entry point applies its rlimits; a stand-in reports what it sees."""
    script = (
        "import json, resource, sys\n"
        "from services.documents.pdf.inspect_worker import apply_limits\n"
        "apply_limits(300, 7)\n"
        "limits = [resource.getrlimit(r)[0] for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_CORE)]\n"
        "ok = limits == [300 * 1024 * 1024, 7, 0]\n"
        f"print({VALID_REPLY!r} if ok else 'limits not applied')\n"
    )
    fake_checker(monkeypatch, script)  # importable from anywhere: the checker's PYTHONPATH holds the project
    result = await inspect_file(write(tmp_path, "doc.pdf", corpus.one_page_letter()), PDF)
    assert result.ok, result.reason


def test_the_checker_process_gets_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.documents.pdf.sandbox import child_env

    monkeypatch.setenv("SIGNING_SECRET", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:password@db/countersign")
    env = child_env()
    assert "do-not-leak" not in env.values() and not any("password" in v for v in env.values())
    assert set(env) == {"PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "LC_ALL"}
