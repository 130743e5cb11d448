"""The metrics' catalogue (shared/metrics.py) and their documentation (docs/running.md#metrics)
agree, and what the metrics are labelled with stays bounded."""

from __future__ import annotations

import re
import signal

import pytest

from services.documents.adapters.sandbox_metrics import classify
from services.documents.pdf.sandbox import ProcessOutcome
from shared.metrics import REGISTRY, AppMetrics
from shared.settings import REPO_ROOT


def exposed_names() -> set[str]:
    """What a scrape shows: counters with their `_total` suffix."""
    registries = (REGISTRY, AppMetrics("any").registry)
    return {
        f"{family.name}_total" if family.type == "counter" else family.name
        for registry in registries
        for family in registry.collect()
        if family.name.startswith("countersign_")
    }


def test_running_md_lists_every_metric_and_no_other() -> None:
    listed = set(re.findall(r"^\| `(countersign_[a-z_]+)`", (REPO_ROOT / "docs/running.md").read_text(), re.M))
    exposed = exposed_names()
    assert exposed, "no countersign_ metric is registered"
    assert exposed - listed == set(), "docs/running.md does not list these"
    assert listed - exposed == set(), "docs/running.md lists metrics nothing exposes"


def test_two_apps_in_one_process_each_have_their_own_gauges() -> None:
    # The harness (and a test's second replica) creates several apps in one process: their
    # registries must not collide, and one app's pool is not another's.
    first, second = AppMetrics("audit"), AppMetrics("audit")
    first.watch_pool(lambda: 3, lambda: 1, lambda: 10)
    second.watch_pool(lambda: 7, lambda: 2, lambda: 10)
    assert first.registry.get_sample_value("countersign_db_pool_connections") == 3
    assert second.registry.get_sample_value("countersign_db_pool_connections") == 7


def _ended(
    returncode: int | None, *, stderr: bytes = b"", timed_out: bool = False, overflow: bool = False
) -> ProcessOutcome:
    return ProcessOutcome(returncode, b"", stderr, timed_out, overflow)


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (_ended(0), ("replied", None)),
        (_ended(None, timed_out=True), ("timeout", "wall_clock")),
        (_ended(-9, overflow=True), ("reply_too_large", "reply_size")),
        (_ended(-signal.SIGXCPU), ("crashed", "cpu")),
        (_ended(1, stderr=b"Traceback (most recent call last):\n...\nMemoryError\n"), ("crashed", "memory")),
        (_ended(1, stderr=b"Traceback (most recent call last):\n...\nValueError: bug\n"), ("crashed", None)),
        (_ended(-9), ("crashed", None)),
    ],
)
def test_a_sandbox_ending_names_its_outcome_and_the_limit_it_hit(
    outcome: ProcessOutcome, expected: tuple[str, str | None]
) -> None:
    assert classify(outcome) == expected
