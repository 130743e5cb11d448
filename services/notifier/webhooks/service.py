"""Webhook use cases: validation beyond the body's shape (the URL's target), limits, and the
SQL of each command in one transaction.

The URL check resolves the host (it may take a few seconds), so it runs before the transaction:
no row lock waits on DNS.
"""

from __future__ import annotations

import asyncpg

from services.notifier.webhooks import delivery_repository as deliveries
from services.notifier.webhooks import repository as repo
from services.notifier.webhooks import secret_store, views
from services.notifier.webhooks.config import WebhookConfig
from services.notifier.webhooks.resolver import check_target
from services.notifier.webhooks.signing import new_secret
from services.notifier.webhooks.ssrf import UrlRefused, parse_target
from shared.contracts.webhooks import (
    Delivery,
    DeliveryListResponse,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookListResponse,
    WebhookUpdate,
)
from shared.ids import prefixed_id
from shared.pagination import PageRequest, page_meta
from shared.problems import FieldError, Problem, conflict, not_found, validation
from shared.secretbox import Keyring

# The reference's limit ("Maximum 10 webhooks per organization").
MAX_WEBHOOKS_PER_ORG = 10


async def checked_url(url: str, config: WebhookConfig) -> str:
    """The URL, if a webhook may be sent to it; a 422 naming `url` otherwise."""
    try:
        target = parse_target(url, allow_plain_http=config.allow_plain_http)
        await check_target(target, allow_loopback=config.allow_loopback)
    except UrlRefused as exc:
        raise validation([FieldError("url", str(exc))], "The webhook URL is not allowed") from None
    return url


async def create_webhook(
    pool: asyncpg.Pool, org_id: str, body: WebhookCreate, config: WebhookConfig, keyring: Keyring
) -> WebhookCreated:
    url = await checked_url(body.url, config)
    webhook_id = prefixed_id("wh")
    secret = new_secret()
    # Only the sealed form is stored (bound to this id); the secret itself is in the response only.
    sealed = secret_store.seal(keyring, webhook_id, secret)
    async with pool.acquire() as conn, conn.transaction():
        await repo.lock_org(conn, org_id)
        if await repo.count_webhooks(conn, org_id) >= MAX_WEBHOOKS_PER_ORG:
            raise conflict(
                f"An organization can have at most {MAX_WEBHOOKS_PER_ORG} webhooks", slug="webhook-limit-reached"
            )
        row = await repo.insert_webhook(conn, webhook_id, org_id, url, body.events, body.description, sealed)
    return views.created(row, secret)


async def get_webhook(pool: asyncpg.Pool, org_id: str, webhook_id: str) -> Webhook:
    async with pool.acquire() as conn:
        row = await repo.find_webhook(conn, org_id, webhook_id)
    if row is None:
        raise not_found("Webhook")
    return views.webhook(row)


async def list_webhooks(pool: asyncpg.Pool, org_id: str, page: PageRequest) -> WebhookListResponse:
    async with pool.acquire() as conn:
        rows = await repo.list_webhooks(conn, org_id, page.cursor, page.limit + 1)
    items = rows[: page.limit]
    last = (items[-1]["created_at"], items[-1]["id"]) if items else None
    return WebhookListResponse.model_validate(
        {"data": [views.webhook(r) for r in items], "meta": page_meta(items, len(rows), page.limit, last)}
    )


async def update_webhook(
    pool: asyncpg.Pool, org_id: str, webhook_id: str, body: WebhookUpdate, config: WebhookConfig
) -> Webhook:
    changes = body.given()
    if "url" in changes:
        changes["url"] = await checked_url(changes["url"], config)
    async with pool.acquire() as conn:
        row = await repo.update_webhook(conn, org_id, webhook_id, changes)
    if row is None:
        raise not_found("Webhook")
    return views.webhook(row)


async def delete_webhook(pool: asyncpg.Pool, org_id: str, webhook_id: str) -> None:
    async with pool.acquire() as conn:
        if not await repo.delete_webhook(conn, org_id, webhook_id):
            raise not_found("Webhook")


async def list_deliveries(pool: asyncpg.Pool, org_id: str, webhook_id: str, page: PageRequest) -> DeliveryListResponse:
    async with pool.acquire() as conn:
        if await repo.find_webhook(conn, org_id, webhook_id) is None:
            raise not_found("Webhook")
        rows = await deliveries.list_deliveries(conn, webhook_id, page.cursor, page.limit + 1)
        items = rows[: page.limit]
        attempts = await deliveries.attempts_of(conn, [r["id"] for r in items])
    last = (items[-1]["created_at"], items[-1]["id"]) if items else None
    return DeliveryListResponse.model_validate(
        {
            "data": [views.delivery(r, attempts[r["id"]]) for r in items],
            "meta": page_meta(items, len(rows), page.limit, last),
        }
    )


async def redeliver(pool: asyncpg.Pool, org_id: str, webhook_id: str, delivery_id: str) -> Delivery:
    """One more attempt of the same delivery (same id and body, signed afresh), due now."""
    async with pool.acquire() as conn, conn.transaction():
        webhook = await repo.find_webhook(conn, org_id, webhook_id)
        if webhook is None:
            raise not_found("Webhook")
        if webhook["status"] != "active":
            # Deliveries of an inactive webhook are not sent; queueing one would only mislead.
            raise Problem(
                409, 'The webhook is inactive; reactivate it (PATCH status "active") first', slug="webhook-inactive"
            )
        row = await deliveries.requeue(conn, webhook_id, delivery_id)
        if row is None:
            raise not_found("Delivery")
        attempts = await deliveries.attempts_of(conn, [row["id"]])
    return views.delivery(row, attempts[row["id"]])
