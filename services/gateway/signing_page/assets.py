"""The signing page's files: an allow-list loaded once, versioned by their content.

    load_assets() -> Assets      .pages {language: the page, asset URLs filled in}, .html (English),
                                 .files {name: Asset}, .version
    page_html(assets, origins)   {language: the page as served}, with the embedding origins filled in

Every asset is served from memory under `/signing-page/{version}/{name}`, where the version is a
hash of all of them: a deploy changes every URL at once, so browsers may cache assets forever and
never mix the modules of two releases. The script font is the one the signed PDF uses for typed
signatures (services/documents/pdf/fonts/DancingScript-Regular.ttf, SIL OFL), served from where
it lives rather than copied, so the page and the PDF cannot drift apart.

The page's HTML is a static file: the token is read from the URL by the script, never written
into the HTML, so the same bytes serve every signer of a language (catalogue.py translates it once
per language; the scripts' catalogues are served as assets, messages-<code>.json). `page_html`
fills in the one setting the script needs, the origins allowed to embed the page.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import services
from services.gateway.signing_page.catalogue import localise, message_files
from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES

ASSETS_PREFIX = "/signing-page"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_FILE = "page.html"
SCRIPT_FONT = Path(services.__file__).resolve().parent / "documents" / "pdf" / "fonts" / "DancingScript-Regular.ttf"
SCRIPT_FONT_NAME = "script-font.ttf"
_PLACEHOLDER = b"{{ASSETS}}"
_EMBED_PLACEHOLDER = b"{{EMBED_ORIGINS}}"

MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Assets:
    pages: dict[str, bytes]
    files: dict[str, Asset]
    version: str

    @property
    def html(self) -> bytes:
        return self.pages[DEFAULT_LANGUAGE]

    @property
    def base(self) -> str:
        return f"{ASSETS_PREFIX}/{self.version}"


def _allowed_files() -> dict[str, Path]:
    """Name → file: what static/ holds with a known media type, plus the script font."""
    files = {p.name: p for p in sorted(STATIC_DIR.iterdir()) if p.is_file() and p.suffix in MEDIA_TYPES}
    files[SCRIPT_FONT_NAME] = SCRIPT_FONT
    return files


def load_assets() -> Assets:
    files = {name: Asset(path.read_bytes(), MEDIA_TYPES[path.suffix]) for name, path in _allowed_files().items()}
    files |= {name: Asset(body, MEDIA_TYPES[".json"]) for name, body in message_files().items()}
    digest = hashlib.sha256()
    for name, asset in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(asset.body).digest())
    template = (STATIC_DIR / PAGE_FILE).read_bytes()
    digest.update(hashlib.sha256(template).digest())
    version = digest.hexdigest()[:16]
    page = template.replace(_PLACEHOLDER, f"{ASSETS_PREFIX}/{version}".encode()).decode()
    pages = {code: localise(page, code).encode() for code in LANGUAGES}
    return Assets(pages=pages, files=files, version=version)


def page_html(assets: Assets, embed_origins: Sequence[str]) -> dict[str, bytes]:
    """The page as served, per language: the origins that may embed it (EMBED_ALLOWED_ORIGINS,
    already checked to be bare origins) listed for its script (static/embed.js), which posts its
    events to the parent only if the parent is one of them. The same for every signer of a
    language: still no token in it."""
    listed = html.escape(" ".join(embed_origins), quote=True).encode()
    return {code: page.replace(_EMBED_PLACEHOLDER, listed) for code, page in assets.pages.items()}
