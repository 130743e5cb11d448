"""Sandbox jobs and the limits they hit, counted by the pool (countersign_sandbox_* in the
documents service's scrape): real worker processes of the stand-in (tests/sandbox_stand_in.py)
that hang, spin and hoard memory on purpose."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.integration.test_sandbox_pool import run, stand_in


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("kind", "limits", "outcome", "limit"),
    [
        ("hang", {"timeout_s": 1}, "timeout", "wall_clock"),
        ("spin", {"timeout_s": 120, "cpu_s": 1}, "crashed", "cpu"),
        ("hog", {}, "crashed", "memory"),
    ],
)
async def test_a_job_that_hits_a_limit_is_counted_with_the_limit(
    kind: str, limits: dict[str, Any], outcome: str, limit: str
) -> None:
    pool = await stand_in()
    try:
        jobs = counted("countersign_sandbox_jobs_total", kind=kind, outcome=outcome)
        breaches = counted("countersign_sandbox_limit_breaches_total", kind=kind, limit=limit)
        replied = counted("countersign_sandbox_jobs_total", kind="whoami", outcome="replied")

        ended = await run(pool, kind, **limits)
        assert ended.returncode != 0
        assert await run(pool, "whoami") is not None  # the next job, on a fresh worker

        assert counted("countersign_sandbox_jobs_total", kind=kind, outcome=outcome) - jobs == 1
        assert counted("countersign_sandbox_limit_breaches_total", kind=kind, limit=limit) - breaches == 1
        assert counted("countersign_sandbox_jobs_total", kind="whoami", outcome="replied") - replied == 1
    finally:
        await pool.close()
