"""The one keyset page query of the organisation-scoped lists (documents, templates, campaigns,
bulk sends): newest first by (created_at, id), no OFFSET, so rows inserted while a client pages
never shift, repeat or hide the rows it has not seen yet.

Only the conditions in use are added, in a fixed order (organisation, live, filters, name,
cursor), so each variant of a list keeps one statement text and gets the plan of the
(org_id[, status], created_at DESC, id DESC) indexes of its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.pagination import Cursor


@dataclass(frozen=True)
class PageQuery:
    """`WHERE {where} {order_limit}` with `args`, for a SELECT the caller writes."""

    where: str
    order_limit: str
    args: list[Any]


def page_query(
    org_id: str,
    *,
    alias: str = "",
    live_only: bool = True,
    equals: Mapping[str, Any | None] | None = None,
    name_pattern: str | None = None,
    after: Cursor | None,
    limit: int,
) -> PageQuery:
    """`equals` maps a column to its wanted value; a None value is no condition. `alias` is the
    table's alias in the caller's FROM ("d", "t"), or none."""
    col = f"{alias}." if alias else ""
    where = [f"{col}org_id = $1"]
    args: list[Any] = [org_id]
    if live_only:
        where.append(f"{col}deleted_at IS NULL")
    for column, value in (equals or {}).items():
        if value is not None:
            args.append(value)
            where.append(f"{col}{column} = ${len(args)}")
    if name_pattern is not None:
        args.append(name_pattern)
        where.append(f"{col}name ILIKE ${len(args)}")
    if after is not None:
        args.extend((after.created_at, after.id))
        where.append(f"({col}created_at, {col}id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    order_limit = f"ORDER BY {col}created_at DESC, {col}id DESC LIMIT ${len(args)}"
    return PageQuery(" AND ".join(where), order_limit, args)
