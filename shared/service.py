"""Assembling an internal service: the pieces every internal app shares.

`internal_app` gives a base app behind the gateway's credential with a PostgreSQL pool, a
RabbitMQ connection and readiness checks for both; `consumer_ctx` and `relay_ctx` add an event
consumer or an outbox relay that live as long as the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from shared.broker import BROKER, Consumer, EventHandler, broker_ctx
from shared.context import internal_auth_middleware
from shared.db import POOL, check_database, pool_ctx
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.web import add_readiness_check, base_app

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)


def internal_app(settings: Settings) -> web.Application:
    app = base_app(settings.max_body_bytes, [internal_auth_middleware(settings.require_internal_secret())])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(pool_ctx(settings))
    app.cleanup_ctx.append(broker_ctx(settings))
    add_readiness_check(app, "postgres", lambda: check_database(app[POOL]))
    add_readiness_check(app, "rabbitmq", lambda: app[BROKER].check())
    return app


def consumer_ctx(consumer: str, schema: str, handler: EventHandler):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        running = Consumer(app[BROKER], app[POOL], consumer, schema, handler)
        await running.start()
        yield
        await running.stop()

    return ctx


def relay_ctx(schema: str):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        relay = OutboxRelay(app[POOL], app[BROKER], schema, settings.database_url, settings.outbox_poll_seconds)
        task = asyncio.create_task(relay.run())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    return ctx
