"""docs/api.md's table of scopes per operation is the route table, row for row."""

from __future__ import annotations

import re

from shared.contracts.routes import OPERATIONS
from shared.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "api.md"
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|\s*(?:`([^`]+)`|none)\s*\|\s*$")


def documented_scopes() -> dict[tuple[str, str], str | None]:
    rows = (ROW.match(line) for line in DOC.read_text(encoding="utf-8").splitlines())
    return {(m.group(1), m.group(2)): m.group(3) for m in rows if m}


def test_every_operation_has_its_scope_row() -> None:
    assert documented_scopes() == {op.key: op.scope for op in OPERATIONS}
