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
from shared.shutdown import GRACE, Grace, finish_task, grace_of
from shared.web import add_readiness_check, base_app

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)


def internal_app(settings: Settings) -> web.Application:
    app = base_app(settings.max_body_bytes, [internal_auth_middleware(settings.require_internal_secret())])
    app[SETTINGS] = settings
    app[GRACE] = Grace(settings.shutdown_grace_seconds)
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
        await running.stop(grace_of(app))

    return ctx


def relay_ctx(schema: str):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        relay = OutboxRelay(app[POOL], app[BROKER], schema, settings.database_url, settings.outbox_poll_seconds)
        task = asyncio.create_task(relay.run())
        yield
        # The batch in flight is published and marked, or rolled back whole when the grace ends.
        await finish_task(grace_of(app), task, relay.stop)

    return ctx
