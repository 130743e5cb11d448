"""The signing page's settings, read in this one place.

    page_config(settings) -> PageConfig

`EMBED_ALLOWED_ORIGINS` (comma-separated or a list; default none): the origins allowed to show
the page in a frame, for embedded signing. None means no one: `frame-ancestors 'none'` and
`X-Frame-Options: DENY`. Each entry is normalised and checked here, at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.settings import Settings


class InvalidOrigin(ValueError):
    """A configured origin is not `scheme://host[:port]`; refused at start-up, not ignored."""


@dataclass(frozen=True, slots=True)
class PageConfig:
    embed_allowed_origins: tuple[str, ...] = ()


def normalise_origin(value: str) -> str:
    """`https://App.Example.com/` → `https://app.example.com`; anything but an origin is refused,
    because a path, a wildcard or a quote in a CSP source would mean something else there."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidOrigin(f"EMBED_ALLOWED_ORIGINS: {value!r} is not an origin (scheme://host[:port])") from None
    host = parts.hostname or ""
    valid = (
        parts.scheme in ("http", "https")
        and host
        and not parts.username
        and not parts.password
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
        and all(ch.isalnum() or ch in ".-[]:" for ch in host)
    )
    if not valid:
        raise InvalidOrigin(f"EMBED_ALLOWED_ORIGINS: {value!r} is not an origin (scheme://host[:port])")
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}" + (f":{port}" if port is not None else "")


def page_config(settings: Settings) -> PageConfig:
    origins = [normalise_origin(entry) for entry in settings.embed_allowed_origins if entry.strip()]
    return PageConfig(embed_allowed_origins=tuple(dict.fromkeys(origins)))
