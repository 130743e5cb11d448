"""Pure limits and comparison rules of the documents use cases (no I/O).

The rules the public request models apply (field types, options, timestamps, bounds) are part of
the API contract: shared/contracts/rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_SIGNERS = 50
MAX_FIELDS = 500


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so a search for `50%_off` matches that text literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    return f"%{escape_like(text)}%"


def changed(current: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """The requested values that differ from the current ones, in request order."""
    return {key: value for key, value in requested.items() if current.get(key) != value}
