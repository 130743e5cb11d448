"""The JSON schema of a PATCH body whose properties may be left out but never set to null.

Such a property is typed `X | None = None` so that it can be absent, and a validator refuses an
explicit null; left alone, pydantic would describe it as `anyOf: [X, null]` with `default: null`,
and the OpenAPI document would promise what the server refuses. `not_nullable` rewrites those
properties to plain `X`, so the spec and the validation say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_NULL = {"type": "null"}


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches = prop.get("anyOf")
    if not branches or _NULL not in branches:
        return prop
    rest = [branch for branch in branches if branch != _NULL]
    out = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    if len(rest) == 1:
        return {**rest[0], **out}
    return {**out, "anyOf": rest}


def not_nullable(schema: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """`schema` (an object schema) with null removed from the properties `names`, in place."""
    properties = schema.get("properties", {})
    for name in names:
        if name in properties:
            properties[name] = _without_null(properties[name])
    return schema
