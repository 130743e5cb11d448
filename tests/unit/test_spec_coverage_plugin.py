"""The controller's side of spec coverage under pytest-xdist (tests/spec_coverage_plugin.py):
what the workers left is combined, and an operation no worker checked is reported."""

from __future__ import annotations

import json
from pathlib import Path

from tests.spec_coverage_plugin import _unexercised

OPERATIONS = [["GET", "/api/v1/documents", 200], ["POST", "/api/v1/documents", 201], ["DELETE", "/api/v1/x", 204]]


def _worker(run_dir: Path, name: str, seen: list[list[object]], left_out: list[str] | None = None) -> None:
    record = {"left_out": left_out or [], "seen": seen, "operations": OPERATIONS}
    (run_dir / f"{name}.json").write_text(json.dumps(record))


def test_operations_seen_by_any_worker_count_and_the_rest_are_missing(tmp_path: Path) -> None:
    _worker(tmp_path, "gw0", [["GET", "/api/v1/documents", 200]])
    _worker(tmp_path, "gw1", [["POST", "/api/v1/documents", 201], ["GET", "/api/v1/documents", 200]])
    missing, left_out = _unexercised(tmp_path)
    assert missing == ["DELETE /api/v1/x -> 204"] and left_out == []


def test_everything_seen_is_nothing_missing(tmp_path: Path) -> None:
    _worker(tmp_path, "gw0", OPERATIONS[:2])
    _worker(tmp_path, "gw1", OPERATIONS[2:])
    assert _unexercised(tmp_path) == ([], [])


def test_a_run_that_left_modules_out_or_heard_from_no_worker_is_not_judged(tmp_path: Path) -> None:
    assert _unexercised(tmp_path)[1] == ["(no worker reported)"]
    _worker(tmp_path, "gw0", [], left_out=["test_emails.py"])
    assert _unexercised(tmp_path)[1] == ["test_emails.py"]
