"""The verified PDF of a document, as its row records it (pure: no I/O).

What signing, page rendering and the signed-PDF build read: the key of the PDF to sign, its
ETag, size, SHA-256 and page sizes. files.require_verified_file hands one out only once the
upload passed verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class VerifiedFile:
    document_id: str
    file_key: str  # the upload as the client sent it (kept; never signed from directly)
    file_name: str | None
    content_type: str  # declared, and proven by the magic bytes
    pdf_key: str  # the PDF to sign: a verified copy of the upload (without active content), or the converted image
    pdf_etag: str  # pass as if_match when reading pdf_key
    size: int  # of the PDF to sign (the document's fileSize)
    sha256: str  # of the PDF to sign (the document's documentHash)
    page_count: int
    page_sizes: tuple[tuple[float, float], ...]  # points, as displayed, page 1 first


def page_sizes_of(row: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    return tuple((float(w), float(h)) for w, h in (row["page_sizes"] or []))


def verified_of(row: Mapping[str, Any]) -> VerifiedFile:
    return VerifiedFile(
        document_id=row["id"],
        file_key=row["file_key"],
        file_name=row["file_name"],
        content_type=row["file_content_type"],
        pdf_key=row["pdf_key"],
        pdf_etag=row["pdf_etag"] or "",
        size=row["file_size"],
        sha256=row["document_hash"],
        page_count=row["page_count"],
        page_sizes=page_sizes_of(row),
    )
