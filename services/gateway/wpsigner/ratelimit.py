"""The WPsigner surface's rate-limit headers (its budgets are counted by services.gateway.ratelimit)."""

from __future__ import annotations

from services.gateway.ratelimit import Window


def limit_headers(window: Window) -> dict[str, str]:
    """The headers every authenticated WPsigner answer carries (docs/wpsigner.md): WordPress
    plugins report the reset as a Unix time, unlike the inSigner API's seconds."""
    return {
        "X-RateLimit-Limit": str(window.limit),
        "X-RateLimit-Remaining": str(window.remaining),
        "X-RateLimit-Reset": str(window.reset_at),
    }
