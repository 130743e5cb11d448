"""The audit service: records every event as a hash-chained, geo-tagged audit entry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from shared.events import Event
from shared.service import consumer_ctx, internal_app
from shared.settings import Settings

SCHEMA = "audit"


async def record(conn: asyncpg.Connection, event: Event) -> None:
    pass  # filled in by the audit recorder


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings)
    app.cleanup_ctx.append(consumer_ctx("audit", SCHEMA, record))
    return app
