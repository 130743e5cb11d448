"""Assembling an internal service: the pieces every internal app shares.

`internal_app` gives a base app behind the gateway's credential with a PostgreSQL pool, a
RabbitMQ connection, readiness checks for both and Prometheus metrics on a port of its own;
`consumer_ctx` and `relay_ctx` add an event consumer or an outbox relay that live as long as the
app, each with the scrape-time probe of what it looks after (its dead-letter queue, its outbox).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from shared.broker import BROKER, Consumer, EventHandler, broker_ctx, dead_letter_depth
from shared.context import internal_auth_middleware
from shared.db import POOL, check_database, pool_ctx
from shared.metrics import METRICS, forget_series
from shared.metrics_server import enable_metrics
from shared.outbox import OutboxRelay, backlog
from shared.processed import SelfRecording
from shared.settings import Settings
from shared.shutdown import GRACE, Grace, finish_task, grace_of
from shared.web import add_readiness_check, base_app

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)


def internal_app(settings: Settings, service: str) -> web.Application:
    app = base_app(settings.max_body_bytes, [internal_auth_middleware(settings.require_internal_secret())])
    app[SETTINGS] = settings
    enable_metrics(app, settings, service)
    app[GRACE] = Grace(settings.shutdown_grace_seconds)
    app.cleanup_ctx.append(pool_ctx(settings))
    app.cleanup_ctx.append(broker_ctx(settings))
    add_readiness_check(app, "postgres", lambda: check_database(app[POOL]))
    add_readiness_check(app, "rabbitmq", lambda: app[BROKER].check())
    return app


def consumer_ctx(consumer: str, schema: str, handler: EventHandler | SelfRecording):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        running = Consumer(app[BROKER], app[POOL], consumer, schema, handler)
        await running.start()
        if METRICS in app:
            _watch_dead_letters(app, consumer)
        yield
        await running.stop(grace_of(app))

    return ctx


def relay_ctx(schema: str):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        relay = OutboxRelay(app[POOL], app[BROKER], schema, settings.database_url, settings.outbox_poll_seconds)
        if METRICS in app:
            _watch_outbox(app, schema)
        task = asyncio.create_task(relay.run())
        yield
        # The batch in flight is published and marked, or rolled back whole when the grace ends.
        await finish_task(grace_of(app), task, relay.stop)

    return ctx


def _watch_dead_letters(app: web.Application, consumer: str) -> None:
    metrics, queue = app[METRICS], app[SETTINGS].queue_name(consumer)

    async def probe() -> None:
        metrics.dead_letter_messages.labels(queue).set(await dead_letter_depth(app[BROKER], consumer))

    metrics.add_probe(f"dead-letters:{consumer}", probe, lambda: forget_series(metrics.dead_letter_messages, queue))


def _watch_outbox(app: web.Application, schema: str) -> None:
    metrics = app[METRICS]

    async def probe() -> None:
        async with app[POOL].acquire() as conn:
            waiting, oldest_age = await backlog(conn, schema)
        metrics.outbox_backlog.labels(schema).set(waiting)
        metrics.outbox_oldest_age.labels(schema).set(oldest_age)

    def forget() -> None:
        forget_series(metrics.outbox_backlog, schema)
        forget_series(metrics.outbox_oldest_age, schema)

    metrics.add_probe(f"outbox:{schema}", probe, forget)
