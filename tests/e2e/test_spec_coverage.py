"""Every operation of the OpenAPI document had its success answer checked by some test.

The tests that drive the API share one `Conformance` (tests/spec_check.py); this test runs last
(see `pytest_collection_modifyitems` in tests/conftest.py) and reads what they recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_check import Conformance

pytestmark = [pytest.mark.e2e, pytest.mark.spec_coverage]

E2E_DIR = Path(__file__).parent


def test_every_operation_was_exercised(conformance: Conformance, request: pytest.FixtureRequest) -> None:
    collected = {Path(str(item.path)).name for item in request.session.items}
    everything = {p.name for p in E2E_DIR.glob("test_*.py")}
    if not everything <= collected:
        pytest.skip(f"spec coverage needs the whole e2e tier; this run left out {sorted(everything - collected)}")
    missing = conformance.unexercised()
    assert not missing, "operations whose success response no test checked:\n  " + "\n  ".join(missing)
