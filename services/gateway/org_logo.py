"""The organisation's logo: PUT and DELETE /api/v1/org/logo (scope org.write), and the public
GET /brand/logos/{sha256}.png that signing pages and emails show.

The upload is `multipart/form-data` with the image in the field `file` (as every upload of this
API); the documents service checks and rebuilds it in its sandbox pool (POST
/internal/logos/check: the public gateway never decodes a stranger's image), the gateway stores
the PNG it answers under its content hash, and the
organisation's `image` (GET /api/v1/org) becomes its public URL. Documents created from then on
keep the logo's hash beside the sender's name (shared.context.H_ORG_LOGO), so their signing page
and emails show it; an earlier document keeps the logo it was created with.
"""

from __future__ import annotations

import base64
import hashlib
import re

import aiohttp
from aiohttp import web

from services.gateway.auth import caller_context, forget_senders, require_scope
from services.gateway.keys import HTTP, SETTINGS
from shared.contracts.attachments import FILE_FIELD
from shared.contracts.internal import LogoCheck
from shared.contracts.org import LOGO_MAX_BYTES, OrganizationLogo, OrganizationLogoResponse
from shared.db import POOL
from shared.internal_client import InternalClient, Unavailable
from shared.multipart import file_part, read_capped
from shared.problems import FieldError, Problem
from shared.web import json_response

LOGO_PATH = "/api/v1/org/logo"
LOGO_CHECK = "/internal/logos/check"  # services/documents/api/logo_routes.py
PUBLIC_PATH = "/brand/logos/{name}"
_NAME = re.compile(r"([0-9a-f]{64})\.png")


def logo_path(sha256: str) -> str:
    """Where a logo is served, from the gateway's origin (the signing page uses it as is)."""
    return f"/brand/logos/{sha256}.png"


def logo_url(public_url: str, sha256: str | None) -> str | None:
    return f"{public_url.rstrip('/')}{logo_path(sha256)}" if sha256 else None


async def put_logo(request: web.Request) -> web.Response:
    caller = require_scope(request, "org.write")
    part = await file_part(request, FILE_FIELD, "the logo")
    data = await read_capped(part, LOGO_MAX_BYTES, "logo")
    if not data:
        raise Problem(422, "The file is empty", errors=[FieldError(FILE_FIELD, "The file is empty")])
    png = await _checked(request, data)
    digest = hashlib.sha256(png).hexdigest()
    url = logo_url(request.app[SETTINGS].public_url, digest)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO gateway.org_logos (sha256, org_id, png) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
            digest,
            caller.key.org_id,
            png,
        )
        await conn.execute(
            "UPDATE gateway.organizations SET logo_sha256 = $2, image = $3, updated_at = now() WHERE id = $1",
            caller.key.org_id,
            digest,
            url,
        )
    forget_senders(caller.key.org_id)
    body = OrganizationLogoResponse(
        data=OrganizationLogo(image=url or "", sha256=digest, width=_width(png), height=_height(png))
    )
    return json_response(body.model_dump(mode="json"))


async def _checked(request: web.Request, data: bytes) -> bytes:
    """The logo as the documents service rebuilt it, or its refusal as our 422."""
    settings = request.app[SETTINGS]
    # The job may use its whole wall clock (PDF_PARSE_TIMEOUT_SECONDS) before its answer comes.
    timeout = aiohttp.ClientTimeout(total=settings.pdf_parse_timeout_seconds + 10, sock_connect=5)
    documents = InternalClient(
        request.app[HTTP], settings.upstreams("documents"), settings.require_internal_secret(), "gateway", timeout
    )
    body = {"image": base64.b64encode(data).decode("ascii")}
    try:
        answer = await documents.call(
            "POST", LOGO_CHECK, json=body, identity=caller_context(request).identity_headers()
        )
    except Unavailable:
        answer = None
    if answer is None or answer.status != 200 or not isinstance(answer.body, dict):
        raise Problem(502, "The documents service did not check the logo")
    check = LogoCheck.model_validate(answer.body["data"])
    if check.png is None:
        message = check.message or "The logo cannot be used"
        raise Problem(422, message, errors=[FieldError(FILE_FIELD, message)], slug=check.code or "logo-invalid")
    return base64.b64decode(check.png)


def _width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def _height(png: bytes) -> int:
    return int.from_bytes(png[20:24], "big")


async def delete_logo(request: web.Request) -> web.Response:
    caller = require_scope(request, "org.write")
    async with request.app[POOL].acquire() as conn:
        await conn.execute(
            "UPDATE gateway.organizations SET logo_sha256 = NULL, image = NULL, updated_at = now() WHERE id = $1",
            caller.key.org_id,
        )
    forget_senders(caller.key.org_id)
    return web.Response(status=204)


async def get_public_logo(request: web.Request) -> web.Response:
    match = _NAME.fullmatch(request.match_info["name"])
    if match is None:
        raise web.HTTPNotFound()
    async with request.app[POOL].acquire() as conn:
        png = await conn.fetchval("SELECT png FROM gateway.org_logos WHERE sha256 = $1", match.group(1))
    if png is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=bytes(png),
        content_type="image/png",
        headers={
            # The URL names the content: cache for good. Emails load it from other origins.
            "Cache-Control": "public, max-age=31536000, immutable",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


def add_logo_routes(app: web.Application) -> None:
    app.router.add_put(LOGO_PATH, put_logo)
    app.router.add_delete(LOGO_PATH, delete_logo)
    app.router.add_get(PUBLIC_PATH, get_public_logo)
