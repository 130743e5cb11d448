"""The organisation's logo: PUT and DELETE /api/v1/org/logo (scope org.write), and the public
GET /brand/logos/{sha256}.png that signing pages and emails show.

The upload is `multipart/form-data` with the image in the field `file` (as every upload of this
API); it is checked and rebuilt by logo_image.py, stored under its content hash, and the
organisation's `image` (GET /api/v1/org) becomes its public URL. Documents created from then on
keep the logo's hash beside the sender's name (shared.context.H_ORG_LOGO), so their signing page
and emails show it; an earlier document keeps the logo it was created with.
"""

from __future__ import annotations

import asyncio
import hashlib
import re

from aiohttp import web

from services.documents.api.multipart import file_part, read_capped
from services.gateway.auth import forget_senders, require_scope
from services.gateway.keys import SETTINGS
from services.gateway.logo_image import MAX_BYTES, LogoRefused, prepare_logo
from shared.contracts.attachments import FILE_FIELD
from shared.contracts.org import OrganizationLogo, OrganizationLogoResponse
from shared.db import POOL
from shared.problems import FieldError, Problem
from shared.web import json_response

LOGO_PATH = "/api/v1/org/logo"
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
    data = await read_capped(part, MAX_BYTES, "logo")
    if not data:
        raise Problem(422, "The file is empty", errors=[FieldError(FILE_FIELD, "The file is empty")])
    try:
        png = await asyncio.to_thread(prepare_logo, data)
    except LogoRefused as exc:
        raise Problem(422, exc.message, errors=[FieldError(FILE_FIELD, exc.message)], slug=exc.code) from None
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
