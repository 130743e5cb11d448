"""One page of an organisation's list (documents, templates, campaigns, bulk sends): the rows a
keyset query fetched (one more than asked, which tells whether another page exists) cut to the
page, and the page's `meta`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from services.documents.domain.validation import contains_pattern
from shared.pagination import PageRequest, page_meta


@dataclass(frozen=True, slots=True)
class RowPage:
    rows: list[asyncpg.Record]
    meta: dict[str, Any]  # count, hasMore, nextCursor (shared.pagination.page_meta)


def name_pattern(search: str | None) -> str | None:
    """The ILIKE pattern of a `search` query parameter, or no name condition."""
    return contains_pattern(search) if search else None


def cut_page(rows: list[asyncpg.Record], page: PageRequest) -> RowPage:
    """`rows` were fetched with LIMIT page.limit + 1, newest first by (created_at, id)."""
    items = rows[: page.limit]
    last = (items[-1]["created_at"], items[-1]["id"]) if items else None
    return RowPage(items, page_meta(items, len(rows), page.limit, last))
