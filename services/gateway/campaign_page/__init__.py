"""The public link of a campaign: `GET /sign/campaign/{id}`, where each visitor enters their name,
email (and phone when the campaign collects it), gets their own document from the campaign's
template and is taken to the signing page /sign/{token} to sign it.

    GET /sign/campaign/{id}                 the page, rendered here (texts escaped)
    GET /campaign-page/{version}/{name}     its script and stylesheet (allow-listed, content-hashed)

The form is sent by the page's script to POST /api/v1/campaigns/{id}/submissions on this origin
(no API key; budgets per address and per email: services/gateway/campaign_limits.py). The same
locked-down headers as the signing page (signing_page/headers.py): CSP 'self' only, no inline
script or style (the brand colour is set by the script, through the CSSOM), no form posting
anywhere, no framing unless EMBED_ALLOWED_ORIGINS says so, no referrer.
"""

from __future__ import annotations

from services.gateway.campaign_page.handlers import mount

__all__ = ["mount"]
