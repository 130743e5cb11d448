"""Spec coverage when the suite runs in several processes (pytest-xdist, `make test`).

`tests/e2e/test_spec_coverage.py` checks that every operation's success answer was checked by
some test; in one process it reads the session's `Conformance`. With xdist each worker sees only
its own share of the tests, so there the check moves to the controller: every worker writes what
its `Conformance` saw (and whether it collected the whole e2e tier) to a file of the run, and the
controller, once all workers are done, fails the run and lists the operations no worker checked.
The test itself is left out in workers (the same way in each, so their collections agree).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.spec_check import Conformance

E2E_DIR = Path(__file__).parent / "e2e"
_DIR_KEY = "spec_seen_dir"
CONFORMANCE = pytest.StashKey[Conformance]()


def whole_e2e_tier(items: list[pytest.Item]) -> list[str]:
    """The e2e modules this run left out (coverage is only meaningful with none left out)."""
    collected = {Path(str(item.path)).name for item in items}
    return sorted({p.name for p in E2E_DIR.glob("test_*.py")} - collected)


def _worker_dir(config: pytest.Config) -> Path | None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    return Path(workerinput[_DIR_KEY]) if workerinput and _DIR_KEY in workerinput else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller: one directory per run, where the workers leave what they saw."""
    config = node.config
    if not hasattr(config, "_spec_seen_dir"):
        config._spec_seen_dir = Path(tempfile.mkdtemp(prefix="spec-seen-"))
    node.workerinput[_DIR_KEY] = str(config._spec_seen_dir)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _worker_dir(config) is not None:
        kept = [item for item in items if item.get_closest_marker("spec_coverage") is None]
        config._spec_left_out = whole_e2e_tier(items)  # type: ignore[attr-defined]
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    seen_dir = _worker_dir(config)
    if seen_dir is not None:  # a worker: leave what it saw
        conformance = config.stash.get(CONFORMANCE, None)
        record = {
            "left_out": getattr(config, "_spec_left_out", []),
            "seen": sorted(conformance.seen) if conformance else [],
            "operations": conformance.operations() if conformance else [],
        }
        name = os.environ.get("PYTEST_XDIST_WORKER", "gw")
        (seen_dir / f"{name}.json").write_text(json.dumps(record))
        return
    run_dir: Path | None = getattr(config, "_spec_seen_dir", None)
    if run_dir is None:  # one process: the test itself checked
        return
    try:
        missing, left_out = _unexercised(run_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if left_out:
        if reporter:
            shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
            reporter.write_line(f"spec coverage not checked: this run left out {shown}")
        return
    if missing:
        if reporter:
            reporter.write_line("FAILED spec coverage: operations whose success response no test checked:", red=True)
            for line in missing:
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _unexercised(run_dir: Path) -> tuple[list[str], list[str]]:
    records = [json.loads(p.read_text()) for p in run_dir.glob("*.json")]
    left_out = sorted({name for r in records for name in r["left_out"]}) if records else ["(no worker reported)"]
    seen = {tuple(s) for r in records for s in r["seen"]}
    operations = {tuple(op) for r in records for op in r["operations"]}
    missing = [f"{m} {path} -> {status}" for (m, path, status) in sorted(operations - seen)]
    return missing, left_out
