"""Response headers of the signing page and its assets (pure, no I/O).

The page carries a signing token in its URL and shows a document to sign, so it is locked down:

- a Content-Security-Policy that allows this origin only, no inline script or style, no plugins,
  no forms posting anywhere, no <base> tricks; images also from data:/blob: (the drawn signature
  preview); frames only from the configured embedding origins;
- `X-Frame-Options: DENY` when no origin may embed it (older browsers know only this header; it
  cannot name several origins, so with an allow-list the CSP alone decides);
- `Referrer-Policy: no-referrer`, so the token in the URL never travels in a Referer header;
- `Cache-Control: no-store` on the page (its URL is a credential), long-lived caching for assets,
  whose URLs carry a content hash.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.gateway.signing_page.config import PageConfig


def frame_ancestors(origins: Sequence[str]) -> str:
    return " ".join(origins) if origins else "'none'"


def content_security_policy(config: PageConfig) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors(config.embed_allowed_origins)}",
        ]
    )


_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page_headers(config: PageConfig) -> dict[str, str]:
    headers = _COMMON | {
        "Content-Security-Policy": content_security_policy(config),
        "Cache-Control": "no-store",
        # The page never needs these; saying so stops an injected script from asking.
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Robots-Tag": "noindex, nofollow",
    }
    if not config.embed_allowed_origins:
        headers["X-Frame-Options"] = "DENY"
    return headers


def asset_headers() -> dict[str, str]:
    # The URL names the content (a hash of every asset), so a copy may be kept for good.
    return _COMMON | {
        "Cache-Control": "public, max-age=31536000, immutable",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
