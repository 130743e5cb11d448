"""GET /api/v1/org/certificate: the public chain of the caller's organisation seal (docs/signed-pdf.md)."""

from __future__ import annotations

from aiohttp import web

from services.documents.commands.sealing import SEALER
from shared.context import org_id_of
from shared.contracts.seal import CERTIFICATE_PATH, PEM_CHAIN_MEDIA
from shared.db import POOL


async def org_certificate(request: web.Request) -> web.Response:
    # Issued now when the organisation has none yet: a relying party may want the chain before
    # the first document completes.
    seal = await request.app[SEALER].org_seal(request.app[POOL], org_id_of(request))
    return web.Response(
        text=seal.chain_pem, content_type=PEM_CHAIN_MEDIA, headers={"X-Certificate-SHA256": seal.cert_sha256}
    )


def add_seal_routes(app: web.Application) -> None:
    app.router.add_get(CERTIFICATE_PATH, org_certificate)
