"""HTTP handlers of the signer-facing API: /api/v1/signing/{token}/…

No API key: the gateway forwards these with actor type "signer" and the client's IP and user
agent, and the token in the path is the credential (signing_session resolves and checks it).
The token is never logged (shared.web.redact_path) nor echoed in an answer.
"""

from __future__ import annotations

from aiohttp import web

from services.documents.api import paths, signing_views
from services.documents.api.paths import SIGNING as S
from services.documents.api.pdf_stream import stream_pdf
from services.documents.api.views import dump
from services.documents.commands import link_state, otp_service, signature_images, signing_service, signing_session
from services.documents.commands.deps import DEPS
from shared.callers import add_internal_route
from shared.context import request_context
from shared.contracts.signing import (
    DeclineRequest,
    EmptyRequest,
    OtpSent,
    OtpSentResponse,
    OtpVerified,
    OtpVerifiedResponse,
    OtpVerifyRequest,
    SigningOutcomeResponse,
    SigningSessionResponse,
    SignRequest,
)
from shared.contracts.signing_page import LinkState, LinkStateResponse, SignatureImage, SignatureImageResponse
from shared.multipart import file_part, read_capped
from shared.problems import FieldError, Problem
from shared.web import json_response, read_json, read_model


def _token(request: web.Request) -> str:
    return request.match_info["token"]


async def view(request: web.Request) -> web.Response:
    view = await signing_service.view(request.app[DEPS].pool, _token(request), request_context(request))
    return json_response(
        dump(SigningSessionResponse(data=signing_views.session(view, request.app[DEPS].settings.attachment_max_bytes)))
    )


async def file(request: web.Request) -> web.StreamResponse:
    document = await signing_service.file_of(request.app[DEPS].pool, _token(request), request_context(request))
    return await stream_pdf(
        request,
        request.app[DEPS].storage,
        document["pdf_key"],
        f"{document['name']}.pdf",
        if_match=document["pdf_etag"] or None,
    )


async def attachment(request: web.Request) -> web.StreamResponse:
    attachment_id = paths.path_id(request, "attId", "Attachment")
    row = await signing_service.attachment_of(
        request.app[DEPS].pool, _token(request), request_context(request), attachment_id
    )
    # Stored as a PDF whatever was uploaded (an image is converted): the name says so.
    name = row["file_name"].rsplit(".", 1)[0] if "." in row["file_name"] else row["file_name"]
    return await stream_pdf(request, request.app[DEPS].storage, row["file_key"], f"{name}.pdf")


async def sign(request: web.Request) -> web.Response:
    body = await read_model(request, SignRequest)
    outcome = await signing_service.sign(
        request.app[DEPS].pool,
        _token(request),
        request_context(request),
        consent=body.consent,
        submitted=[item.model_dump() for item in body.fields],
    )
    return json_response(dump(SigningOutcomeResponse(data=signing_views.outcome(outcome))))


async def approve(request: web.Request) -> web.Response:
    await read_model(request, EmptyRequest)
    outcome = await signing_service.approve(request.app[DEPS].pool, _token(request), request_context(request))
    return json_response(dump(SigningOutcomeResponse(data=signing_views.outcome(outcome))))


async def decline(request: web.Request) -> web.Response:
    body = await read_model(request, DeclineRequest)
    outcome = await signing_service.decline(
        request.app[DEPS].pool, _token(request), request_context(request), reason=body.reason
    )
    return json_response(dump(SigningOutcomeResponse(data=signing_views.outcome(outcome))))


async def request_otp(request: web.Request) -> web.Response:
    await read_model(request, EmptyRequest)
    sent = await otp_service.request_code(request.app[DEPS], _token(request), request_context(request))
    return json_response(
        dump(OtpSentResponse(data=OtpSent(sentTo=sent.sent_to, expiresAt=sent.expires_at))), status=202
    )


async def verify_otp(request: web.Request) -> web.Response:
    body = await read_model(request, OtpVerifyRequest)
    verified_at = await otp_service.verify_code(request.app[DEPS], _token(request), request_context(request), body.code)
    return json_response(dump(OtpVerifiedResponse(data=OtpVerified(verified=True, verifiedAt=verified_at))))


async def internal_link_check(request: web.Request) -> web.Response:
    """POST /internal/signing-links/check {"token"}: 204 if the link opens a signing session, 404
    if the signing API would call it not valid. The gateway's signing page answers its status by
    this; the token travels in the body, so it never appears in a path or a log line."""
    body = await read_json(request)
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not await signing_session.link_is_known(request.app[DEPS].pool, token):
        raise signing_session.link_not_found()
    return web.Response(status=204)


async def state(request: web.Request) -> web.Response:
    """200 for every link: what the page shows without an error status to log (link_state.py)."""
    found = await link_state.link_state(request.app[DEPS], _token(request))
    body = LinkState(
        state=found.state,  # type: ignore[arg-type]
        download=found.download,
        downloadUntil=found.download_until,
        language=found.language,  # type: ignore[arg-type]
    )
    return json_response(dump(LinkStateResponse(data=body)))


async def signature_image(request: web.Request) -> web.Response:
    """A picture of the signer's signature, cleaned for one of their signature fields; not stored."""
    field_id = paths.path_id(request, "fieldId", "Field")
    limit = request.app[DEPS].settings.signature_upload_max_bytes
    part = await file_part(request, signature_images.FILE_FIELD, "the signature image")
    data = await read_capped(part, limit, "signature image")
    if not data:
        raise Problem(422, "The file is empty", errors=[FieldError(signature_images.FILE_FIELD, "The file is empty")])
    prepared = await signature_images.prepare(
        request.app[DEPS], _token(request), request_context(request), field_id, data
    )
    body = SignatureImage(image=prepared.data_url, width=prepared.width, height=prepared.height)
    return json_response(dump(SignatureImageResponse(data=body)))


def add_signing_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(S, view)
    router.add_get(S + "/state", state)
    router.add_post(S + "/fields/{fieldId}/signature-image", signature_image)
    router.add_get(S + "/file", file)
    router.add_get(S + "/attachments/{attId}", attachment)
    router.add_post(S + "/sign", sign)
    router.add_post(S + "/approve", approve)
    router.add_post(S + "/decline", decline)
    router.add_post(S + "/otp", request_otp)
    router.add_post(S + "/otp/verify", verify_otp)
    # The gateway asks before serving the signing page (its status: 200 or 404).
    add_internal_route(app, "POST", "/internal/signing-links/check", internal_link_check, callers=("gateway",))
