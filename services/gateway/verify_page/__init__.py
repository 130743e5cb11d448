"""The public verification page: `GET /verify`, where a person drops a PDF and sees the verdict.

    GET /verify                           the page (static HTML)
    GET /verify-page/{version}/{name}     its script and stylesheet (allow-listed, content-hashed)

Vanilla JavaScript over POST /api/v1/verify on this origin; no request to any other origin. The
same locked-down headers as the signing page (signing_page/headers.py): CSP 'self' only, no
inline script or style, no framing unless EMBED_ALLOWED_ORIGINS says so, no referrer.
"""

from __future__ import annotations

from services.gateway.verify_page.handlers import mount

__all__ = ["mount"]
