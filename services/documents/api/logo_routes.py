"""POST /internal/logos/check (caller `gateway` only): the gateway's PUT /api/v1/org/logo hands
the uploaded file here to be checked and rebuilt in the sandbox pool (commands/logo_images.py),
so the public gateway never decodes a stranger's image. The answer is the PNG to store, or the
refusal's code and message that the gateway turns into its 422."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from services.documents.api.routes import respond
from services.documents.commands import logo_images
from services.documents.commands.deps import DEPS
from services.documents.pdf.logo_image import LogoRefused
from shared.callers import add_internal_route
from shared.contracts.internal import LogoCheck, LogoCheckRequest, LogoCheckResponse
from shared.problems import FieldError, Problem
from shared.web import read_model

LOGO_CHECK = "/internal/logos/check"


async def check_logo(request: web.Request) -> web.Response:
    body = await read_model(request, LogoCheckRequest)
    try:
        data = base64.b64decode(body.image, validate=True)
    except binascii.Error:
        raise Problem(422, "`image` is not base64", errors=[FieldError("image", "Not base64")]) from None
    try:
        deps = request.app[DEPS]
        png = await logo_images.prepare(deps.sandbox, deps.settings, data)
    except LogoRefused as exc:
        return respond(LogoCheckResponse(data=LogoCheck(code=exc.code, message=exc.message)))
    return respond(LogoCheckResponse(data=LogoCheck(png=base64.b64encode(png).decode("ascii"))))


def add_logo_routes(app: web.Application) -> None:
    add_internal_route(app, "POST", LOGO_CHECK, check_logo, callers=("gateway",))
