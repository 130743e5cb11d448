"""The audit service: records every event as a hash-chained, geo-tagged audit entry, and
answers `GET /api/v1/documents/{id}/audit`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import asyncpg
from aiohttp import web

from services.audit.chain_cover import add_chain_cover_route
from services.audit.keys import GEO, HTTP
from services.audit.recorder import record_once
from services.audit.routes import add_routes
from services.audit.wp_internal import add_wp_internal_routes
from shared.events import Event
from shared.geo import GeoLocator
from shared.processed import SelfRecording
from shared.service import consumer_ctx, internal_app
from shared.settings import Settings

SCHEMA = "audit"


def _geo_ctx(settings: Settings):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[GEO] = GeoLocator.open(settings.geoip_db_path)
        yield
        # The reader is deliberately not closed: the consumer keeps handling messages until the
        # broker connection (opened before this context, closed after it) goes away, and a
        # closed reader would fail those handlers. The mapping goes with the reader object.

    return ctx


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
        timeout=aiohttp.ClientTimeout(total=10, sock_connect=5),
    )
    yield
    await app[HTTP].close()


def _handler(app: web.Application) -> SelfRecording:
    async def handle(pool: asyncpg.Pool, event: Event) -> bool:
        return await record_once(pool, event, app[GEO])

    return SelfRecording(handle)


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings, "audit")
    app.cleanup_ctx.append(_geo_ctx(settings))
    app.cleanup_ctx.append(_http_ctx)
    # Last, so the geo reader exists before the first event arrives.
    app.cleanup_ctx.append(consumer_ctx("audit", SCHEMA, _handler(app)))
    add_routes(app)
    add_wp_internal_routes(app)  # the gateway's WPsigner audit trail
    add_chain_cover_route(app)  # the documents service's certificate of completion: the head to print
    return app
