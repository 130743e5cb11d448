"""The documents service: owns documents, signers, fields and their state transitions.

The wiring, in one place (docs/architecture.md, "The documents service"): cleanup contexts start
in the order they are appended and stop in reverse, so each resource exists before what uses it.
"""

from __future__ import annotations

from aiohttp import web

from services.documents.adapters.page_render import RENDERER
from services.documents.adapters.sandbox_pool import sandbox_ctx
from services.documents.adapters.storage import storage_ctx
from services.documents.api.attachment_routes import add_attachment_routes
from services.documents.api.bulk_send_routes import add_bulk_send_routes
from services.documents.api.campaign_routes import add_campaign_routes
from services.documents.api.errors import add_domain_errors
from services.documents.api.file_routes import add_file_routes
from services.documents.api.lifecycle_routes import add_lifecycle_routes
from services.documents.api.logo_routes import add_logo_routes
from services.documents.api.page_routes import add_page_routes, page_renderer
from services.documents.api.routes import add_routes
from services.documents.api.seal_routes import add_seal_routes
from services.documents.api.signed_copy import add_signed_copy_routes
from services.documents.api.template_routes import add_template_routes
from services.documents.api.verify_routes import add_verify_routes
from services.documents.api.wp_internal_routes import add_wp_internal_routes
from services.documents.commands.delivery_failures import delivery_failures_ctx
from services.documents.commands.deps import deps_ctx
from services.documents.commands.events import SCHEMA
from services.documents.commands.sealing import Sealer
from services.documents.workers.completion import completion_ctx
from services.documents.workers.sweeps import sweeps_ctx
from shared.service import internal_app, relay_ctx
from shared.settings import Settings


def create_app(settings: Settings) -> web.Application:
    app = internal_app(settings, "documents")  # settings, the PostgreSQL pool, the RabbitMQ connection, metrics
    add_domain_errors(app)  # use cases' refusals (domain errors) → problem+json, in one place
    # Resources, in start order.
    # The relay publishes this service's outbox (events written with each change) to RabbitMQ.
    app.cleanup_ctx.append(relay_ctx(SCHEMA))
    app.cleanup_ctx.append(storage_ctx(settings))  # the S3 client (app[STORAGE])
    # Warm workers for strangers' files (app[SANDBOX]); closed after everything that uses them.
    app.cleanup_ctx.append(sandbox_ctx(settings))
    # The seal CA, keyring and TSA, loaded now: a missing or broken CA stops start-up.
    sealer = Sealer.from_settings(settings)
    # app[DEPS]: pool, settings, storage, upload checker, sealer, GeoIP, audit client, sandbox for the use cases
    app.cleanup_ctx.append(deps_ctx(sealer))
    app[RENDERER] = page_renderer()  # page images: rendered in a limited process, cached in S3
    # Routes.
    add_routes(app)  # documents, signers, fields; internal org stats and document lookup
    add_file_routes(app)  # upload URLs, downloads
    add_template_routes(app)  # templates, their roles, fields and file; documents made from them
    add_bulk_send_routes(app)  # bulk sends: one document per signer from a template, all sent
    add_attachment_routes(app)  # attachments: list, multipart upload (judged like any upload), delete
    add_campaign_routes(app)  # campaigns; a visitor's submission; the public page's question
    add_lifecycle_routes(app)  # send, cancel, remind, signing links, the signing API, notifier endpoints
    add_page_routes(app)  # page images for the signing page
    add_wp_internal_routes(app)  # what the gateway's WPsigner surface needs beyond the core API
    add_seal_routes(app)  # GET /api/v1/org/certificate
    add_verify_routes(app)  # POST /api/v1/verify: anyone's PDF, judged in a limited process
    add_logo_routes(app)  # the gateway's organisation logo, checked and rebuilt in the sandbox pool
    add_signed_copy_routes(app)  # the signed PDF for participants (GET /api/v1/signing/{token}/download)
    # Background work (needs app[DEPS] / app[STORAGE]).
    app.cleanup_ctx.append(completion_ctx)  # builds the signed PDF when everyone is done
    app.cleanup_ctx.append(sweeps_ctx)  # expiry and reminders
    app.cleanup_ctx.append(delivery_failures_ctx)  # consumes signer.delivery_failed: bounces put documents on hold
    return app
