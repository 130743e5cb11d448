"""The documents service: owns documents, signers, fields and their state transitions."""

from __future__ import annotations

from aiohttp import web

from services.documents.routes import add_routes
from shared.service import internal_app, relay_ctx
from shared.settings import Settings

SCHEMA = "documents"


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings)
    app.cleanup_ctx.append(relay_ctx(SCHEMA))
    add_routes(app)
    return app
