"""How far each service's outbox relay is behind: unpublished rows and the oldest one's age.

Every service that publishes events has a `<schema>.outbox` table (shared/outbox.py); they are
found in the catalogue rather than listed here, so a service that gains an outbox is included
without a change. Counting uses the partial index on unpublished rows (`outbox_unpublished`).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Backlog:
    service: str  # the schema, which is the service's name
    pending: int
    oldest_age_seconds: float | None  # None when nothing is pending


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def outbox_backlogs(conn: asyncpg.Connection) -> list[Backlog]:
    schemas = await conn.fetch(
        """SELECT table_schema FROM information_schema.tables
           WHERE table_name = 'outbox' AND table_type = 'BASE TABLE' ORDER BY table_schema"""
    )
    out = []
    for row in schemas:
        schema = row["table_schema"]
        counted = await conn.fetchrow(
            f"""SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS age
                FROM {_quoted(schema)}.outbox WHERE published_at IS NULL"""
        )
        out.append(Backlog(schema, counted["pending"], counted["age"]))
    return out
