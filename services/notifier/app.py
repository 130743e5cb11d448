"""The notifier: consumes events; sends emails and customer webhooks.

Readiness covers PostgreSQL and RabbitMQ only: an SMTP outage delays mail (events wait and are
retried) but must not take the notifier out of a load balancer or restart it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.notifier.emails import add_emails
from services.notifier.handler import HANDLER
from services.notifier.keys import MAILER
from services.notifier.mailer import Mailer
from services.notifier.webhooks import add_routes, delivery_worker_ctx
from shared.service import SETTINGS, consumer_ctx, internal_app
from shared.settings import Settings

SCHEMA = "notifier"


async def _mailer_ctx(app: web.Application) -> AsyncIterator[None]:
    # Nothing is connected up front (the first batch opens a session, later ones reuse it), so
    # start-up does not wait for, or fail on, the SMTP server. drain() closes the idle sessions.
    app[MAILER] = Mailer(app[SETTINGS])
    yield
    await app[MAILER].drain()


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings, "notifier")
    app.cleanup_ctx.append(_mailer_ctx)
    # After the mailer: the consumer's handlers may use it, and cleanup runs in reverse order.
    app.cleanup_ctx.append(consumer_ctx("notifier", SCHEMA, HANDLER))
    add_emails(app)  # the email send worker, the notifier's outbox relay (signer.delivery_failed), dead letters
    add_routes(app)
    app.cleanup_ctx.append(delivery_worker_ctx)
    return app
