"""The delivery worker: sends due deliveries, records each attempt, schedules retries.

Runs as a task of every notifier replica. Each pass leases up to `concurrency` due deliveries
(delivery_repository.claim_due: SKIP LOCKED, so replicas never send one delivery at the same
time), sends them concurrently, and writes each outcome with the webhook's failure count in one
transaction. Everything a retry needs is in the row (next_attempt_at, retry_step), so a restart
loses nothing. A worker that dies mid-attempt leaves a lease that expires; the delivery is then
sent again: delivery is at least once, and receivers dedupe by `webhook-id`.

The loop is a job worker (shared/jobs): a new or redelivered delivery NOTIFYs it on commit, and
it also polls every `poll_seconds` (one indexed query), so a retry falling due or a missed
notification waits at most that long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Literal

import aiohttp
import asyncpg
from aiohttp import web

from services.notifier.webhooks import delivery_repository as repo
from services.notifier.webhooks import repository as webhooks_repo
from services.notifier.webhooks import secret_store
from services.notifier.webhooks.config import WebhookConfig, webhook_config
from services.notifier.webhooks.next_step import after_failure, after_success
from services.notifier.webhooks.routes import KEYRING
from services.notifier.webhooks.sender import Message, Outcome, attempt, open_client
from shared.db import POOL
from shared.jobs.worker import AT_ONCE, JobWorker
from shared.logging import log_fields
from shared.metrics import WEBHOOK_ATTEMPTS
from shared.secretbox import Keyring, SecretUnreadable
from shared.service import SETTINGS
from shared.tracing import continued
from shared.wakeup import Wakeup

log = logging.getLogger("countersign.notifier.webhooks")

PRUNE_EVERY_SECONDS = 3600.0
ERROR_PAUSE_SECONDS = 2.0


async def _record(pool: asyncpg.Pool, claimed: repo.Claimed, outcome: Outcome, config: WebhookConfig) -> None:
    step = (
        after_success(claimed.retry_step)
        if outcome.succeeded
        else after_failure(claimed.retry_step, claimed.final_attempt, config.retry_schedule)
    )
    record = repo.AttemptRecord(outcome.succeeded, outcome.response_code, outcome.duration_ms, outcome.error)
    async with pool.acquire() as conn, conn.transaction():
        if not await repo.finish_attempt(conn, claimed, record, step):
            log.warning("webhook delivery lease lost; outcome dropped", extra=log_fields(deliveryId=claimed.id))
            return
        await repo.count_outcome(conn, claimed.webhook_id, outcome.succeeded, config.max_consecutive_failures)
    WEBHOOK_ATTEMPTS.labels("retrying" if step.status == "pending" else step.status).inc()
    # The URL and the secret stay out of logs: ids identify the delivery.
    log.info(
        "webhook attempt",
        extra=log_fields(
            deliveryId=claimed.id,
            webhookId=claimed.webhook_id,
            ok=outcome.succeeded,
            code=outcome.response_code,
            error=outcome.error,
            next=step.status,
        ),
    )


async def _deliver(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, claimed: repo.Claimed, config: WebhookConfig, keyring: Keyring
) -> None:
    message = Message(id=claimed.id, timestamp=claimed.timestamp, body=claimed.body)
    try:
        secret = secret_store.reveal(keyring, claimed.webhook_id, claimed.stored_secret)
    except SecretUnreadable as exc:
        # The key that sealed it is not configured (removed before `countersign secrets rotate`
        # re-sealed it): nothing is sent unsigned. A failed attempt keeps the delivery on its
        # schedule, so it goes out once the key is back. The customer sees a fixed phrase only.
        log.error(
            "webhook secret cannot be opened",
            extra=log_fields(deliveryId=claimed.id, webhookId=claimed.webhook_id, error=str(exc)),
        )
        await _record(pool, claimed, Outcome(False, None, 0, "delivery could not be signed"), config)
        return
    try:
        # Continues the event's trace; the instrumented client adds its span and `traceparent`.
        with continued(claimed.trace_context, "webhook deliver", attributes={"countersign.delivery.id": claimed.id}):
            outcome = await attempt(client, claimed.url, secret, message, config)
    except Exception:
        # A failure `attempt` does not classify is still an attempt: recording it keeps the
        # delivery on its schedule instead of being retried at every lease expiry for ever.
        log.exception("webhook attempt failed unexpectedly", extra=log_fields(deliveryId=claimed.id))
        outcome = Outcome(False, None, 0, "request failed")
    await _record(pool, claimed, outcome, config)


async def deliver_due(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, config: WebhookConfig, keyring: Keyring
) -> int:
    """One pass: lease what is due, send it, record it. Returns how many deliveries were attempted."""
    async with pool.acquire() as conn:
        claimed = await repo.claim_due(conn, config.concurrency, config.lease_seconds)
    results = await asyncio.gather(
        *(_deliver(pool, client, c, config, keyring) for c in claimed), return_exceptions=True
    )
    for c, result in zip(claimed, results, strict=True):
        if isinstance(result, BaseException):
            # Recording failed (the database went away): the lease expires and the delivery is retried.
            log.warning("webhook attempt not recorded", extra=log_fields(deliveryId=c.id, error=repr(result)))
    return len(claimed)


def delivery_worker(
    pool: asyncpg.Pool, client: aiohttp.ClientSession, config: WebhookConfig, keyring: Keyring, wakeup: Wakeup | None
) -> JobWorker:
    last_prune = 0.0

    async def one_pass() -> float | None | Literal["at once"]:
        nonlocal last_prune
        attempted = await deliver_due(pool, client, config, keyring)
        if time.monotonic() - last_prune > PRUNE_EVERY_SECONDS:
            async with pool.acquire() as conn:
                await repo.prune_finished(conn, config.retention_days)
            last_prune = time.monotonic()
        # A full batch means more may be waiting: go again at once.
        return AT_ONCE if attempted >= config.concurrency else None

    return JobWorker(
        "webhook deliveries",
        one_pass,
        wakeup=wakeup,
        poll_seconds=config.poll_seconds,
        error_pause_seconds=ERROR_PAUSE_SECONDS,
        logger=log,
        failed_message="webhook delivery pass failed",
    )


async def warn_about_stale_secrets(pool: asyncpg.Pool, keyring: Keyring) -> None:
    """Secrets in clear (from before sealing) or under an older key still work, but the operator
    should know: they are re-sealed by `countersign secrets rotate`, not by the notifier itself
    (during a rolling upgrade, another replica may not have the new key yet)."""
    async with pool.acquire() as conn:
        stale = await webhooks_repo.count_not_sealed_with(conn, keyring.current_prefix())
    if stale:
        log.warning(
            "webhook secrets not sealed under the current key; run `countersign secrets rotate`",
            extra=log_fields(count=stale, currentKey=keyring.current_id),
        )


async def delivery_worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry: the worker lives as long as the app. Attempts cut off at shutdown keep
    their lease until it expires, then another replica (or the next start) sends them again."""
    config = webhook_config(app[SETTINGS])
    await warn_about_stale_secrets(app[POOL], app[KEYRING])
    client = open_client(config)
    wakeup = Wakeup(app[SETTINGS].database_url, repo.CHANNEL)
    task = asyncio.create_task(delivery_worker(app[POOL], client, config, app[KEYRING], wakeup).run())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await client.close()
