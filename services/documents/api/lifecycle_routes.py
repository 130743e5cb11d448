"""HTTP handlers of the sender's lifecycle commands and the notifier's internal endpoints.

    POST /api/v1/documents/{id}/send | cancel | remind          (scopes checked by the gateway)
    POST /api/v1/documents/{id}/signers/{signerId}/signing-url
    GET  /internal/signers/{signerId}/signing-link | otp-code   (the notifier; links also the gateway)

`add_lifecycle_routes` also registers the signer-facing API (signing_routes). The completion
worker and the sweeps are wired in app.py.
"""

from __future__ import annotations

from aiohttp import web

from services.documents.api.paths import D, path_id
from services.documents.api.signing_routes import add_signing_routes
from services.documents.api.views import dump
from services.documents.commands import lifecycle_service, notifier_api
from services.documents.commands.deps import DEPS
from shared.callers import add_internal_route
from shared.context import org_id_of, request_context
from shared.contracts.internal import OtpCode, OtpCodeResponse, SigningLink, SigningLinkResponse
from shared.contracts.signing import (
    CancelResponse,
    CancelResult,
    EmptyRequest,
    RemindResponse,
    RemindResult,
    SendResponse,
    SendResult,
    SigningUrl,
    SigningUrlResponse,
)
from shared.web import json_response, read_model


async def send(request: web.Request) -> web.Response:
    document_id = path_id(request, "id", "Document")
    await read_model(request, EmptyRequest)
    result = await lifecycle_service.send(request.app[DEPS], org_id_of(request), request_context(request), document_id)
    sent = SendResult(
        id=result.document_id,
        status=result.status,
        signerCount=result.signer_count,  # type: ignore[arg-type]
        sentAt=result.sent_at,
    )
    return json_response(dump(SendResponse(data=sent)))


async def cancel(request: web.Request) -> web.Response:
    document_id = path_id(request, "id", "Document")
    await read_model(request, EmptyRequest)
    result = await lifecycle_service.cancel(
        request.app[DEPS].pool, org_id_of(request), request_context(request), document_id
    )
    cancelled = CancelResult(
        id=result.document_id,
        status=result.status,  # type: ignore[arg-type]
        cancelledSigners=result.cancelled_signers,
    )
    return json_response(dump(CancelResponse(data=cancelled)))


async def remind(request: web.Request) -> web.Response:
    document_id = path_id(request, "id", "Document")
    await read_model(request, EmptyRequest)
    result = await lifecycle_service.remind(
        request.app[DEPS].pool, org_id_of(request), request_context(request), document_id
    )
    reminded = RemindResult(id=result.document_id, remindedSigners=result.reminded_signers)
    return json_response(dump(RemindResponse(data=reminded)))


async def signing_url(request: web.Request) -> web.Response:
    document_id = path_id(request, "id", "Document")
    signer_id = path_id(request, "signerId", "Signer")
    await read_model(request, EmptyRequest)
    result = await lifecycle_service.signing_url(
        request.app[DEPS], org_id_of(request), request_context(request), document_id, signer_id
    )
    link = SigningUrl(signerId=result.signer_id, url=result.url, expiresAt=result.expires_at)
    return json_response(dump(SigningUrlResponse(data=link)))


# --- internal: the notifier -------------------------------------------------------------------


async def internal_signing_link(request: web.Request) -> web.Response:
    signer_id = path_id(request, "signerId", "Signer")
    live = await notifier_api.signing_link(request.app[DEPS], org_id_of(request), signer_id)
    return json_response(dump(SigningLinkResponse(data=SigningLink(url=live.url, expiresAt=live.expires_at))))


async def internal_otp_code(request: web.Request) -> web.Response:
    signer_id = path_id(request, "signerId", "Signer")
    live = await notifier_api.otp_code(request.app[DEPS], org_id_of(request), signer_id)
    return json_response(dump(OtpCodeResponse(data=OtpCode(code=live.code, expiresAt=live.expires_at))))


def add_lifecycle_routes(app: web.Application) -> None:
    router = app.router
    router.add_post(D + "/{id}/send", send)
    router.add_post(D + "/{id}/cancel", cancel)
    router.add_post(D + "/{id}/remind", remind)
    router.add_post(D + "/{id}/signers/{signerId}/signing-url", signing_url)
    # The gateway asks for a link too: WPsigner's signers list shows it to full-access keys.
    add_internal_route(
        app, "GET", "/internal/signers/{signerId}/signing-link", internal_signing_link, callers=("notifier", "gateway")
    )
    add_internal_route(app, "GET", "/internal/signers/{signerId}/otp-code", internal_otp_code, callers=("notifier",))
    add_signing_routes(app)
