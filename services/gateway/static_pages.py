"""A public page's static files: an allow-list loaded once, versioned by their content.

    load_static(static_dir, prefix) -> StaticFiles    .files {name: (body, media type)}, .version, .base

Used by the verification page and the campaign page (the signing page has its own loader, which
also serves the script font from where it lives). Every file is served from memory under
`{prefix}/{version}/{name}`, where the version is a hash of all of them: a deploy changes every
URL at once, so browsers may cache them for good and never mix two releases.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.gateway.signing_page.headers import asset_headers

MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True, slots=True)
class StaticFiles:
    files: dict[str, tuple[bytes, str]]  # name -> (body, media type)
    version: str
    prefix: str

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.version}"

    def answer(self, request: web.Request) -> web.Response:
        """GET {prefix}/{version}/{name}: only the current version's files."""
        found = self.files.get(request.match_info["name"])
        if found is None or request.match_info["version"] != self.version:
            raise web.HTTPNotFound()
        return web.Response(body=found[0], content_type=found[1], headers=asset_headers())


def load_static(static_dir: Path, prefix: str) -> StaticFiles:
    files = {
        p.name: (p.read_bytes(), MEDIA_TYPES[p.suffix])
        for p in sorted(static_dir.iterdir())
        if p.is_file() and p.suffix in MEDIA_TYPES
    }
    digest = hashlib.sha256()
    for name, (body, _) in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    return StaticFiles(files, digest.hexdigest()[:16], prefix)
