"""Identifiers: opaque, URL-safe, unguessable.

Documents get cuid-like ids (`c` + 24 lowercase base-36 characters, as the reference's examples
look); other resources a type prefix (`sr_`, `fld_`, `log_`, `org_`, `key_`, ...).
"""

from __future__ import annotations

import re
import secrets
import string

_BASE36 = string.digits + string.ascii_lowercase


def _base36(length: int) -> str:
    return "".join(secrets.choice(_BASE36) for _ in range(length))


def document_id() -> str:
    return "c" + _base36(24)


def prefixed_id(prefix: str, length: int = 20) -> str:
    return f"{prefix}_{_base36(length)}"


_ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_plausible_id(value: str) -> bool:
    """Cheap shape check before an id reaches SQL (ids in URLs are untrusted input)."""
    return bool(_ID_SHAPE.match(value))
