"""Every operation of the OpenAPI document had its success answer checked by some test.

The tests that drive the API share one `Conformance` (tests/spec_check.py); this test runs last
(see `pytest_collection_modifyitems` in tests/conftest.py) and reads what they recorded. When the
suite runs in several processes (pytest-xdist), the same check runs in the controller over what
every worker recorded (tests/spec_coverage_plugin.py).
"""

from __future__ import annotations

import pytest

from tests.spec_check import Conformance
from tests.spec_coverage_plugin import whole_e2e_tier

pytestmark = [pytest.mark.e2e, pytest.mark.spec_coverage]


def test_every_operation_was_exercised(conformance: Conformance, request: pytest.FixtureRequest) -> None:
    if left_out := whole_e2e_tier(request.session.items):
        pytest.skip(f"spec coverage needs the whole e2e tier; this run left out {left_out}")
    missing = conformance.unexercised()
    assert not missing, "operations whose success response no test checked:\n  " + "\n  ".join(missing)
