"""The gateway: the only public entry. Authenticates, checks scopes, forwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.gateway.action_limits import action_limit_middleware
from services.gateway.api_limits import add_limit_headers
from services.gateway.auth import api_key_middleware
from services.gateway.auth_failures import AUTH_FAILURES, FailureBudget
from services.gateway.campaign_limits import campaign_limit_middleware
from services.gateway.campaign_page import mount as mount_campaign_page
from services.gateway.client_ip import parse_networks
from services.gateway.idempotency import idempotency_middleware
from services.gateway.key_cache import key_cache_ctx
from services.gateway.keys import HTTP, SETTINGS, TRUSTED
from services.gateway.openapi import add_openapi_routes
from services.gateway.org import add_org_routes
from services.gateway.proxy import client_session
from services.gateway.routes import add_proxy_routes
from services.gateway.signing_guard import signing_guard_middleware
from services.gateway.signing_page import mount as mount_signing_page
from services.gateway.verify_limits import verify_limit_middleware
from services.gateway.verify_page import mount as mount_verify_page
from services.gateway.wpsigner import mount as mount_wpsigner
from shared.db import POOL, check_database, pool_ctx
from shared.metrics_server import enable_metrics
from shared.settings import Settings
from shared.web import add_readiness_check, base_app


def create_app(settings: Settings) -> web.Application:
    settings.require_internal_secret()
    # Rate limits (docs/security.md): the key middleware counts keys and failed keys, the action
    # budgets come after it (they need the key), the signer routes count unknown tokens, and
    # verification and campaign submissions have their own per-IP (and per-email) budgets.
    # Idempotency keys (needing the key's organisation) come before the action budgets, so a
    # replayed or refused retry spends no action.
    app = base_app(
        settings.max_body_bytes,
        [
            api_key_middleware,
            idempotency_middleware,
            action_limit_middleware,
            signing_guard_middleware,
            verify_limit_middleware,
            campaign_limit_middleware,
        ],
        max_line_bytes=settings.max_request_line_bytes,
        max_header_bytes=settings.max_header_bytes,
    )
    app[SETTINGS] = settings
    # On a port of its own (METRICS_BIND_HOST, loopback by default): never on this public one.
    enable_metrics(app, settings, "gateway")
    app[TRUSTED] = parse_networks(settings.trusted_proxies)
    app[AUTH_FAILURES] = FailureBudget("auth-failures", settings.auth_failure_limit_per_minute, announced=True)
    app.on_response_prepare.append(add_limit_headers)  # RateLimit-* on every answer to a counted request
    app.cleanup_ctx.append(pool_ctx(settings))
    app.cleanup_ctx.append(key_cache_ctx)  # verified keys in memory, evicted by NOTIFY
    app.cleanup_ctx.append(_http_ctx)
    add_org_routes(app)
    add_proxy_routes(app)
    add_openapi_routes(app)
    mount_signing_page(app)  # GET /sign/{token}: the page a signer opens from the emailed link
    mount_campaign_page(app)  # GET /sign/campaign/{id}: a campaign's public link, each visitor's own document
    mount_verify_page(app)  # GET /verify: anyone drops a PDF and sees the verdict
    mount_wpsigner(app)  # /wp-json/wpsigner/v1: its own middleware, acting only under that prefix

    add_readiness_check(app, "postgres", lambda: check_database(app[POOL]))
    for name, url in (
        ("documents", settings.documents_url),
        ("audit", settings.audit_url),
        ("notifier", settings.notifier_url),
    ):
        add_readiness_check(app, name, _upstream_ready(app, url))
    return app


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = client_session()
    yield
    await app[HTTP].close()


def _upstream_ready(app: web.Application, base_url: str):  # type: ignore[no-untyped-def]
    async def check() -> None:
        async with app[HTTP].get(base_url + "/readyz") as resp:
            if resp.status != 200:
                raise ConnectionError(f"{base_url} not ready")

    return check
