"""Lifecycle emails: who gets what (recipients), how it reads (kinds + templates), and exactly
one send per (event, recipient) (repository, worker, outcomes). docs/emails.md describes it.

Wired into the notifier by two hooks:
- `services.notifier.handler.handle` queues emails in the consumer's transaction (enqueue);
- `add_emails(app)`: the send worker, the notifier's outbox relay (signer.delivery_failed) and
  the internal dead-letter endpoints. Register after the mailer's context.

Modules: pure — recipients, model, kinds/*, render (+ templates/), headers, message,
smtp_errors, config; I/O — enqueue, repository, documents_client, outcomes, worker, routes. The
queue, its retry schedule and the worker loop are shared/jobs, woken by `shared.wakeup.Wakeup` on the repository's channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from services.notifier.emails.config import email_config
from services.notifier.emails.documents_client import DocumentsClient
from services.notifier.emails.headers import MailFrom
from services.notifier.emails.repository import CHANNEL
from services.notifier.emails.routes import add_email_routes
from services.notifier.emails.worker import SendWorker
from services.notifier.keys import MAILER
from shared.db import POOL
from shared.service import SETTINGS, relay_ctx
from shared.shutdown import finish_task, grace_of
from shared.wakeup import Wakeup


async def send_worker_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    wakeup = Wakeup(settings.database_url, CHANNEL)
    session = DocumentsClient.open_session()
    documents = DocumentsClient(session, settings.upstreams("documents"), settings.require_internal_secret())
    worker = SendWorker(
        app[POOL],
        app[MAILER],
        documents,
        email_config(settings),
        mail_from=MailFrom.parse(settings.mail_from),
        public_url=settings.public_url,
        wakeup=wakeup,
    )
    task = asyncio.create_task(worker.run())  # it listens (wakeup) while it runs
    yield
    # A message in flight at shutdown is given what is left of SHUTDOWN_GRACE_SECONDS (the SMTP
    # client's own timeout is 30 s per step); one cut short is sent again when its lease ends.
    await finish_task(grace_of(app), task, worker.stop)
    await session.close()


def add_emails(app: web.Application) -> None:
    # Publishes what the notifier emits itself (signer.delivery_failed) from notifier.outbox.
    app.cleanup_ctx.append(relay_ctx("notifier"))
    app.cleanup_ctx.append(send_worker_ctx)
    add_email_routes(app)
