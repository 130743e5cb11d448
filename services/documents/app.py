"""The documents service: owns documents, signers, fields and their state transitions."""

from __future__ import annotations

from aiohttp import web

from services.documents.commands.delivery_failures import delivery_failures_ctx
from services.documents.commands.events import SCHEMA
from services.documents.api.file_routes import add_file_routes
from services.documents.api.lifecycle_routes import add_lifecycle_routes, add_lifecycle_workers
from services.documents.api.page_routes import add_page_routes
from services.documents.api.routes import add_routes
from services.documents.api.seal_routes import add_seal_routes
from services.documents.api.signed_copy import add_signed_copy_routes
from services.documents.api.verify_routes import add_verify_routes
from services.documents.api.wp_internal_routes import add_wp_internal_routes
from services.documents.sealing.sealer import add_sealing
from shared.service import internal_app, relay_ctx
from shared.settings import Settings


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings)
    # The relay publishes this service's outbox (events written with each change) to RabbitMQ.
    app.cleanup_ctx.append(relay_ctx(SCHEMA))
    add_routes(app)
    add_file_routes(app)  # S3 client (app[STORAGE]), upload URLs, downloads
    add_lifecycle_routes(app)  # send, cancel, remind, signing links, the signing API, notifier endpoints
    add_page_routes(app)  # page images for the signing page (rendered in a limited process, cached in S3)
    add_wp_internal_routes(app)  # what the gateway's WPsigner surface needs beyond the core API
    add_sealing(app)  # the seal CA, keyring and TSA (before the completion worker that uses them)
    add_seal_routes(app)  # GET /api/v1/org/certificate
    add_verify_routes(app)  # POST /api/v1/verify: anyone's PDF, judged in a limited process
    add_lifecycle_workers(app)  # completion worker and expiry/reminder sweeps (need app[STORAGE])
    add_signed_copy_routes(app)  # the signed PDF for participants (GET /api/v1/signing/{token}/download)
    app.cleanup_ctx.append(delivery_failures_ctx)  # consumes signer.delivery_failed: bounces put documents on hold
    return app
