"""Reading the verified PDF back from S3, its hash checked: only the bytes that passed
verification are ever signed or rendered."""

from __future__ import annotations

import hashlib
from pathlib import Path

from services.documents.adapters.storage import Storage
from services.documents.domain.verified_file import VerifiedFile


class FileChanged(Exception):
    """The stored PDF no longer has the verified hash."""


async def fetch_pdf(storage: Storage, verified: VerifiedFile, path: Path) -> None:
    """Download the PDF to sign to `path`; FileChanged when its SHA-256 is not the verified one."""
    await fetch_checked(storage, verified.pdf_key, verified.size, verified.sha256, path, etag=verified.pdf_etag or None)


async def fetch_checked(
    storage: Storage, key: str, size: int, sha256: str, path: Path, *, etag: str | None = None
) -> None:
    """Download a file the service verified (the PDF to sign, an attachment) to `path`;
    FileChanged when its SHA-256 is not the one recorded at verification."""
    await storage.download_to(key, path, max(size, 1), if_match=etag)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise FileChanged(key)
