"""How far each service's outbox relay is behind: unpublished rows and the oldest one's age.

Every service that publishes events has a `<schema>.outbox` table (shared/outbox.py); they are
found in the catalogue rather than listed here, so a service that gains an outbox is included
without a change. Each is read as the relay's metrics probe reads it (shared.outbox.backlog: the
partial index of unpublished rows, counted up to BACKLOG_COUNT_CAP).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from shared.outbox import backlog


@dataclass(frozen=True)
class Backlog:
    service: str  # the schema, which is the service's name
    pending: int  # counted up to BACKLOG_COUNT_CAP
    oldest_age_seconds: float | None  # None when nothing is pending


async def outbox_backlogs(conn: asyncpg.Connection) -> list[Backlog]:
    schemas = await conn.fetch(
        """SELECT table_schema FROM information_schema.tables
           WHERE table_name = 'outbox' AND table_type = 'BASE TABLE' ORDER BY table_schema"""
    )
    out = []
    for row in schemas:
        # The same reading as the relay's metrics probe (shared.outbox.backlog), one way to count.
        pending, age = await backlog(conn, row["table_schema"])
        out.append(Backlog(row["table_schema"], pending, age if pending else None))
    return out
