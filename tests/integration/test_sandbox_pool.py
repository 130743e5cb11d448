"""The pool of warm sandbox workers: real worker processes, the real worker loop.

The hostile corpus and a memory breach run through the real job table; the other endings (a hang,
a CPU spin, a crash, a kill from outside) through tests/sandbox_stand_in.py, the same loop with
jobs that misbehave on purpose. Each proves that one ending costs one job and the next job runs
on a fresh worker."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PIL import Image

from services.documents.adapters.page_render import RenderFailed, render_page
from services.documents.adapters.sandbox_pool import PoolClosed, SandboxPool, SandboxUnavailable
from services.documents.adapters.signed_build import SandboxBuilder
from services.documents.pdf import DrawnSignature, StampField, build_signed_pdf, inspect_file
from services.documents.pdf.codes import RejectCode
from services.documents.pdf.layout import LETTER
from services.documents.pdf.sandbox import ProcessOutcome
from tests import pdf_corpus as corpus
from tests.integration import test_pdf_signed as signed_test
from tests.integration.test_pdf_inspect import HOSTILE, wait_gone, write

PDF = "application/pdf"
STAND_IN = [sys.executable, "-m", "tests.sandbox_stand_in"]
MEMORY_MB = 768


@pytest.fixture
async def pool() -> AsyncIterator[SandboxPool]:
    """The real worker, two of them."""
    pool = SandboxPool(2, jobs_per_worker=100, memory_mb=MEMORY_MB)
    await pool.start()
    yield pool
    await pool.close()


async def stand_in(size: int = 1, jobs_per_worker: int = 100) -> SandboxPool:
    pool = SandboxPool(size, jobs_per_worker=jobs_per_worker, memory_mb=MEMORY_MB, argv=STAND_IN)
    await pool.start()
    return pool


async def run(
    pool: SandboxPool, kind: str, request: str = "", *, timeout_s: float = 30, cpu_s: int = 30
) -> ProcessOutcome:
    return await pool.run(kind, request, timeout_s=timeout_s, memory_mb=MEMORY_MB, cpu_seconds=cpu_s)


async def whoami(pool: SandboxPool, seconds: float = 0) -> int:
    outcome = await run(pool, "whoami", str(seconds))
    assert outcome.returncode == 0, outcome
    return int(json.loads(outcome.stdout)["pid"])


async def until(condition: Callable[[], bool]) -> None:
    """Replacing a worker is asynchronous (a process starts and imports): wait for it."""
    for _ in range(1200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the pool never got there")


# --- the real worker ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "declared", "code"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
async def test_hostile_files_are_judged_in_the_pool_as_in_a_process_of_their_own(
    tmp_path: Path, pool: SandboxPool, make: Callable[[], bytes], declared: str, code: RejectCode
) -> None:
    data = make()
    out = tmp_path / "converted.pdf"
    result = await inspect_file(write(tmp_path, "upload", data), declared, convert_to=out, sandbox=pool)
    assert result.code is code, result.reason
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.converted is None and not out.exists()
    # The file cost at most its own worker: the pool still answers a good file.
    ok = await inspect_file(write(tmp_path, "good.pdf", corpus.three_page_a4()), PDF, sandbox=pool)
    assert ok.ok and ok.page_count == 3


async def test_images_convert_in_the_pool(tmp_path: Path, pool: SandboxPool) -> None:
    out = tmp_path / "converted.pdf"
    result = await inspect_file(
        write(tmp_path, "photo.png", corpus.make_image("PNG", (400, 300))), "image/png", convert_to=out, sandbox=pool
    )
    assert result.ok and result.converted is not None
    assert result.converted.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


async def one_warm_worker() -> tuple[SandboxPool, int, int]:
    """A pool of one real worker: (the pool, the worker's pid, its address space in MB once warm)."""
    pool = SandboxPool(1, jobs_per_worker=100, memory_mb=MEMORY_MB)
    await pool.start()
    await until(lambda: len(pool.pids()) == 1)
    [pid] = pool.pids()
    return pool, pid, int(Path(f"/proc/{pid}/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") >> 20


async def test_a_memory_breach_costs_one_job_and_the_next_runs_on_a_fresh_worker(tmp_path: Path) -> None:
    pool, breached, warm_mb = await one_warm_worker()
    try:
        # 64 MB on top of a warm worker's ~80 MB of address space is less than pypdf's own 75 MB
        # decompression cap: the address-space limit trips first.
        bomb = write(tmp_path, "bomb.pdf", corpus.decompression_bomb(1))
        result = await inspect_file(bomb, PDF, memory_mb=warm_mb + 64, sandbox=pool)
        assert result.code is RejectCode.RESOURCE_LIMIT, result.reason
        assert await wait_gone(breached)  # recycled, not reused

        good = await inspect_file(write(tmp_path, "doc.pdf", corpus.one_page_letter()), PDF, sandbox=pool)
        assert good.ok
        assert pool.started == 2 and breached not in pool.pids()
    finally:
        await pool.close()


async def test_the_worker_runs_each_job_under_its_limits_and_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNING_SECRET", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:password@db/countersign")
    pool = await stand_in()
    try:
        first = json.loads((await pool.run("limits", "", timeout_s=30, memory_mb=300, cpu_seconds=7)).stdout)
        second = json.loads((await pool.run("limits", "", timeout_s=30, memory_mb=500, cpu_seconds=3)).stdout)
    finally:
        await pool.close()
    # Address space: the job's own soft limit under the worker's hard one (raised back between jobs).
    assert first["as"] == [300 << 20, MEMORY_MB << 20] and second["as"][0] == 500 << 20
    # CPU: RLIMIT_CPU counts the worker's life, so each job's limit is what it used so far plus
    # the job's own seconds.
    assert first["cpu"][0] - first["cpu_used"] <= 7 + 1 and first["cpu"][0] - first["cpu_used"] >= 7 - 1
    assert second["cpu"][0] - second["cpu_used"] <= 3 + 1 and second["cpu"][0] - second["cpu_used"] >= 3 - 1
    assert first["core"] == [0, 0]
    assert "SIGNING_SECRET" not in first["env"] and "DATABASE_URL" not in first["env"]


# --- endings that cost one job -----------------------------------------------------------------


async def test_a_job_past_its_wall_clock_is_killed_and_the_next_runs_on_a_fresh_worker() -> None:
    pool = await stand_in()
    try:
        before = await whoami(pool)
        outcome = await run(pool, "hang", timeout_s=1)
        assert outcome.timed_out and outcome.returncode is None
        assert await wait_gone(before)
        after = await whoami(pool)
        assert after != before and pool.started == 2
    finally:
        await pool.close()


async def test_a_job_past_its_cpu_limit_ends_in_sigxcpu_and_the_next_runs_on_a_fresh_worker() -> None:
    pool = await stand_in()
    try:
        before = await whoami(pool)
        outcome = await run(pool, "spin", timeout_s=120, cpu_s=1)
        assert outcome.returncode == -signal.SIGXCPU and not outcome.timed_out
        assert await whoami(pool) != before
    finally:
        await pool.close()


@pytest.mark.parametrize(
    ("kind", "expect"),
    [
        ("crash", lambda o: o.returncode == -signal.SIGSEGV),
        # An allocation past the address space the job may have: the traceback names it, as the
        # one-shot checker's does (pdf/verify.py reads it as RESOURCE_LIMIT).
        ("hog", lambda o: o.returncode == 1 and b"MemoryError" in o.stderr_tail),
    ],
)
async def test_a_crash_costs_one_job(kind: str, expect: Callable[[ProcessOutcome], bool]) -> None:
    pool = await stand_in()
    try:
        before = await whoami(pool)
        outcome = await run(pool, kind)
        assert expect(outcome), outcome
        assert await whoami(pool) != before
    finally:
        await pool.close()


async def test_a_worker_killed_from_outside_is_replaced() -> None:
    pool = await stand_in()
    try:
        victim = await whoami(pool)
        os.kill(victim, signal.SIGKILL)
        await until(lambda: pool.started == 2 and len(pool.pids()) == 1)
        assert await whoami(pool) not in (victim,)
    finally:
        await pool.close()


# --- recycling, queueing, shutdown -------------------------------------------------------------


async def test_a_worker_is_recycled_after_its_number_of_jobs() -> None:
    pool = await stand_in(jobs_per_worker=3)
    try:
        pids = [await whoami(pool) for _ in range(7)]
    finally:
        await pool.close()
    assert pids[0] == pids[1] == pids[2] != pids[3]
    assert pids[3] == pids[4] == pids[5] != pids[6]
    assert pool.started == 3


async def test_a_worker_that_kept_memory_is_recycled() -> None:
    pool = await stand_in()
    try:
        grown = json.loads((await run(pool, "grow")).stdout)["pid"]
        assert await wait_gone(grown)
        assert await whoami(pool) != grown
    finally:
        await pool.close()


async def test_jobs_beyond_the_pool_size_wait_and_all_complete() -> None:
    pool = await stand_in(size=2)
    try:
        pids = await asyncio.gather(*(whoami(pool, 0.2) for _ in range(8)))
    finally:
        await pool.close()
    assert len(pids) == 8
    assert len(set(pids)) == 2 and pool.started == 2  # never more processes than the pool's size


async def test_a_cancelled_caller_takes_its_worker_with_it() -> None:
    pool = await stand_in()
    try:
        busy = await whoami(pool)
        job = asyncio.create_task(run(pool, "hang"))
        await asyncio.sleep(0.5)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert await wait_gone(busy)  # left mid-job: never reused
        assert await whoami(pool) != busy
    finally:
        await pool.close()


async def test_shutdown_finishes_the_jobs_in_flight_and_refuses_new_ones() -> None:
    pool = await stand_in()
    worker = await whoami(pool)
    job = asyncio.create_task(whoami(pool, 1.0))
    await asyncio.sleep(0.2)
    closing = asyncio.create_task(pool.close())
    await asyncio.sleep(0.1)
    with pytest.raises(PoolClosed):
        await run(pool, "whoami")
    assert await job == worker  # the job in flight got its answer
    await closing
    assert await wait_gone(worker) and pool.pids() == []


async def test_a_pool_whose_workers_cannot_start_fails_jobs_instead_of_hanging() -> None:
    # A worker that ends before it is ready (as one would whose libraries do not import).
    pool = SandboxPool(
        1, jobs_per_worker=100, memory_mb=MEMORY_MB, argv=[sys.executable, "-c", "pass"], ready_timeout_s=2
    )
    await pool.start()
    try:
        with pytest.raises(SandboxUnavailable):
            await run(pool, "inspect", "{}")
        assert pool.started == 0
    finally:
        await pool.close()


# --- builds and renders in the pool --------------------------------------------------------------


async def test_a_signed_pdf_built_in_the_pool_is_the_one_built_in_process(tmp_path: Path, pool: SandboxPool) -> None:
    original = write(tmp_path, "original.pdf", corpus.make_pdf([LETTER, LETTER], text="Agreement"))
    stamps = [
        StampField(1, 100, 650, 200, 60, "signature", DrawnSignature(corpus.signature_png())),
        StampField(2, 72, 100, 220, 24, "text", "Acme Corporation"),
    ]
    certificate = signed_test.certificate(original.read_bytes())
    out = tmp_path / "signed.pdf"
    await SandboxBuilder(pool, 60, MEMORY_MB)(original, stamps, certificate, out)
    # The build is deterministic: the worker's file is byte for byte the in-process build.
    assert out.read_bytes() == build_signed_pdf(original, stamps, certificate)

    with pytest.raises(ValueError, match="page 9"):  # the build's own refusal, not a crash
        await SandboxBuilder(pool, 60, MEMORY_MB)(
            original, [StampField(9, 1, 1, 10, 10, "text", "x")], certificate, tmp_path / "none.pdf"
        )
    assert not (tmp_path / "none.pdf").exists()


async def test_a_page_renders_in_the_pool(tmp_path: Path, pool: SandboxPool) -> None:
    pdf = write(tmp_path, "in.pdf", corpus.make_pdf([LETTER, LETTER], rotate={1: 90}))
    png = await render_page(
        pdf, tmp_path / "2.png", 2, 1.0, timeout_s=20, memory_mb=MEMORY_MB, max_pixels=12_000_000, sandbox=pool
    )
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (792, 612)
    with pytest.raises(RenderFailed, match="no page 3"):
        await render_page(
            pdf, tmp_path / "3.png", 3, 1.0, timeout_s=20, memory_mb=MEMORY_MB, max_pixels=12_000_000, sandbox=pool
        )
