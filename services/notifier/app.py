"""The notifier: consumes events; sends emails and customer webhooks."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from shared.events import Event
from shared.service import consumer_ctx, internal_app
from shared.settings import Settings

SCHEMA = "notifier"


async def handle(conn: asyncpg.Connection, event: Event) -> None:
    pass  # emails arrive with the notifier issue


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings)
    app.cleanup_ctx.append(consumer_ctx("notifier", SCHEMA, handle))
    return app
