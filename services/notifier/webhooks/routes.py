"""HTTP handlers of the webhook API: parse (pydantic) -> service call -> response.

The gateway forwards /api/v1/webhooks paths unchanged after checking the key's scope
(webhooks.read / create / update / delete); the organisation comes from its identity headers.
Ids that cannot be ours are 404 before any SQL runs, exactly like unknown ones.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web
from pydantic import BaseModel

from services.notifier.webhooks import service
from services.notifier.webhooks.config import WebhookConfig, webhook_config
from shared.context import org_id_of
from shared.contracts.routes import WEBHOOKS as W
from shared.contracts.webhooks import (
    DeliveryResponse,
    EmptyRequest,
    WebhookCreate,
    WebhookCreatedResponse,
    WebhookResponse,
    WebhookUpdate,
)
from shared.db import POOL
from shared.pagination import PageRequest
from shared.secretbox import Keyring
from shared.service import SETTINGS
from shared.web import json_response, path_id, read_model

CONFIG: web.AppKey[WebhookConfig] = web.AppKey("webhook_config", WebhookConfig)
# Seals webhook secrets at rest (shared/secretbox.py); the delivery worker opens them with it.
KEYRING: web.AppKey[Keyring] = web.AppKey("secrets_keyring", Keyring)


def _pool(request: web.Request) -> asyncpg.Pool:
    return request.app[POOL]


def _respond(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(model.model_dump(mode="json"), status, headers)


async def list_webhooks(request: web.Request) -> web.Response:
    page = PageRequest.from_query(request.query)
    return _respond(await service.list_webhooks(_pool(request), org_id_of(request), page))


async def create_webhook(request: web.Request) -> web.Response:
    org_id = org_id_of(request)
    body = await read_model(request, WebhookCreate)
    created = await service.create_webhook(_pool(request), org_id, body, request.app[CONFIG], request.app[KEYRING])
    # The only response that carries the secret: no cache along the way may keep it.
    return _respond(WebhookCreatedResponse(data=created), 201, {"Cache-Control": "no-store"})


async def get_webhook(request: web.Request) -> web.Response:
    webhook_id = path_id(request, "id", "Webhook")
    return _respond(WebhookResponse(data=await service.get_webhook(_pool(request), org_id_of(request), webhook_id)))


async def update_webhook(request: web.Request) -> web.Response:
    webhook_id = path_id(request, "id", "Webhook")
    org_id = org_id_of(request)
    body = await read_model(request, WebhookUpdate)
    updated = await service.update_webhook(_pool(request), org_id, webhook_id, body, request.app[CONFIG])
    return _respond(WebhookResponse(data=updated))


async def delete_webhook(request: web.Request) -> web.Response:
    webhook_id = path_id(request, "id", "Webhook")
    await service.delete_webhook(_pool(request), org_id_of(request), webhook_id)
    return web.Response(status=204)


async def list_deliveries(request: web.Request) -> web.Response:
    webhook_id = path_id(request, "id", "Webhook")
    page = PageRequest.from_query(request.query)
    return _respond(await service.list_deliveries(_pool(request), org_id_of(request), webhook_id, page))


async def redeliver(request: web.Request) -> web.Response:
    webhook_id = path_id(request, "id", "Webhook")
    delivery_id = path_id(request, "deliveryId", "Delivery")
    org_id = org_id_of(request)
    await read_model(request, EmptyRequest)  # an unexpected body is refused, not ignored
    delivery = await service.redeliver(_pool(request), org_id, webhook_id, delivery_id)
    return _respond(DeliveryResponse(data=delivery), 202)


def add_routes(app: web.Application) -> None:
    """Register the webhook API on the notifier's app (which already holds SETTINGS)."""
    app[CONFIG] = webhook_config(app[SETTINGS])
    # Here, at create_app time: a notifier without SECRETS_ENCRYPTION_KEYS stops at start-up.
    app[KEYRING] = app[SETTINGS].require_secrets_keyring()
    app.router.add_get(W, list_webhooks)
    app.router.add_post(W, create_webhook)
    app.router.add_get(W + "/{id}", get_webhook)
    app.router.add_patch(W + "/{id}", update_webhook)
    app.router.add_delete(W + "/{id}", delete_webhook)
    app.router.add_get(W + "/{id}/deliveries", list_deliveries)
    app.router.add_post(W + "/{id}/deliveries/{deliveryId}/redeliver", redeliver)
