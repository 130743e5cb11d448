"""An organisation's logo is judged in the sandbox pool (commands/logo_images.py, the `logo` job
of adapters/sandbox_worker.py), with real worker processes: the rebuilt PNG or a refusal's code
comes back, and a hostile logo that breaches a limit costs its own job and worker only — the
next logo is judged on a fresh worker."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from services.documents.adapters.sandbox_pool import SandboxPool
from services.documents.commands import logo_images
from services.documents.pdf.logo_image import LogoRefused
from tests import harness
from tests.integration.test_pdf_inspect import wait_gone
from tests.integration.test_sandbox_pool import MEMORY_MB, one_warm_worker
from tests.unit.test_signature_upload import bomb_png, encode

SETTINGS = harness.test_settings()


def _logo() -> bytes:
    logo = Image.new("RGBA", (1800, 900), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rectangle((100, 100, 1700, 800), fill=(30, 60, 200, 255))
    return encode(logo, "PNG")


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


async def test_a_logo_is_rebuilt_in_the_pool_and_hostile_ones_get_their_codes() -> None:
    pool = SandboxPool(1, jobs_per_worker=100, memory_mb=MEMORY_MB)
    await pool.start()
    try:
        assert _size(await logo_images.prepare(pool, SETTINGS, _logo())) == (400, 200)
        for data, code in (
            (bomb_png(), "logo-too-large"),
            (_logo() + b"<html><script>alert(1)</script></html>", "logo-polyglot"),
            (b"GIF89a" + b"\0" * 64, "logo-type"),
        ):
            with pytest.raises(LogoRefused) as refused:
                await logo_images.prepare(pool, SETTINGS, data)
            assert refused.value.code == code
        assert pool.started == 1  # refusals are answers: the same worker judged them all
    finally:
        await pool.close()


async def test_a_logo_that_breaches_the_memory_limit_costs_one_job_and_the_next_runs_on_a_fresh_worker() -> None:
    pool, breached, warm_mb = await one_warm_worker()
    try:
        # 12 MP (within the pixel budget) in a few KB: decoded it needs 36 MB, then 48 MB as RGBA;
        # a job limited to 24 MB over the warm worker's address space cannot hold it.
        wide = encode(Image.new("RGB", (4000, 2990), (250, 250, 250)), "PNG")
        assert len(wide) < 512 * 1024
        tight = SETTINGS.model_copy(update={"pdf_parse_memory_mb": warm_mb + 24})
        with pytest.raises(LogoRefused) as refused:
            await logo_images.prepare(pool, tight, wide)
        assert refused.value.code == "logo-invalid"
        assert await wait_gone(breached)  # the worker went with the job

        assert _size(await logo_images.prepare(pool, SETTINGS, _logo())) == (400, 200)
        assert pool.started == 2 and breached not in pool.pids()
        # The same file within the service's own limits is a logo like any other.
        assert _size(await logo_images.prepare(pool, SETTINGS, wide)) == (268, 200)
    finally:
        await pool.close()
