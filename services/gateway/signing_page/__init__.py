"""The signing page: what a signer opens from the emailed link `{PUBLIC_URL}/sign/{token}`.

`mount(app)` adds it to the gateway:

    GET /sign/{token}                      the page (static HTML; the script reads the token from the URL)
    GET /signing-page/{version}/{name}     its scripts, stylesheet and script font (allow-listed)

The page is vanilla JavaScript over the signer-facing API (/api/v1/signing/{token}/…, proxied by
the gateway's /api/v1 proxy, services/gateway/routes.py) and the page images (…/pages/{n}); it makes no request to any other origin.
docs/signing-page.md describes it.
"""

from __future__ import annotations

from services.gateway.signing_page.handlers import mount

__all__ = ["mount"]
