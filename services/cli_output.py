"""How every operator command answers: a table for people or, with `--json`, one JSON document for
scripts; and a refusal as one `countersign: ...` line on stderr with its exit status, never a
traceback (scripts match on the status and the line, so both stay the same across commands).

A failure deep inside a command may also `raise SystemExit("...")` with the bare message:
`services.cli.main` adds the `countersign: ` prefix to it (so the message must not carry one).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any


def answer(as_json: bool, data: Any, lines: Iterable[str], code: int = 0) -> int:
    """Print `data` as JSON or `lines` as text, and return the exit status `code` either way."""
    if as_json:
        print(json.dumps(data))
    else:
        for line in lines:
            print(line)
    return code


def fail(message: str, code: int = 1) -> int:
    """Say on stderr why the command did nothing (more), and return its exit status."""
    print(f"countersign: {message}", file=sys.stderr)
    return code
