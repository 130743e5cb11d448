"""File type from content (magic bytes), never from the name or the declared content type."""

from __future__ import annotations

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"

SUPPORTED_TYPES: frozenset[str] = frozenset({PDF, PNG, JPEG, WEBP})
IMAGE_TYPES: frozenset[str] = frozenset({PNG, JPEG, WEBP})

# How many leading bytes `detect_type` needs to see.
HEAD_SIZE = 16

# Spellings browsers and HTTP clients send for the same types; anything else is taken literally.
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/x-png": PNG, "application/x-pdf": PDF}

# Pillow plugin names, so the decoder is pinned to the detected format and never probes others.
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}


def detect_type(head: bytes) -> str | None:
    """The type the first bytes prove, or None.

    `%PDF-` must start the file: PDF readers tolerate up to 1 KiB of junk before it, but such a
    prefix is how polyglot files (HTML or ZIP that is also a PDF) are made, and no genuine PDF
    producer writes one, so we refuse rather than guess."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def normalise_declared(content_type: str) -> str:
    """`Image/JPG; charset=x` → `image/jpeg`: compare media types, not spellings."""
    media = content_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(media, media)
