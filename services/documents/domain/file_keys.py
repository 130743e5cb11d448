"""Object keys of document files, and the filename sanitising they rely on (pure, no I/O).

    documents/{orgId}/{documentId}/original/{uploadId}/{safe filename}   the upload, as the client PUT it
    documents/{orgId}/{documentId}/verified/{checkId}.pdf                the PDF to sign (written by us only)
    documents/{orgId}/{documentId}/signed/{safe name}.pdf                the signed PDF
    documents/{orgId}/{documentId}/attachments/{attachmentId}.pdf        an attachment, verified (written by us only)

An upload id per upload URL and a check id per verification keep concurrent or late writers
from ever overwriting an object someone else relies on (see storage.py).
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120


def safe_filename(name: str | None, default: str = "document.pdf") -> str:
    """A filename safe in an S3 key, a URL and a shell: ASCII letters, digits, `.`, `_`, `-`.

    Path parts are dropped (`../../etc/passwd` → `passwd`), accents are folded (`año` → `ano`),
    everything else becomes `_`, and leading dots go (no hidden files, no `..`). A name with
    nothing left of its stem gets the default's stem (`契約書.pdf` → `document.pdf`); long names
    keep their extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = folded.rpartition(".")
    if not dot:
        stem, ext = folded, ""
    stem = re.sub(r"\.{2,}", ".", _UNSAFE.sub("_", stem)).strip("._-")
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    if not stem:
        if not folded.strip("._- ") or not ext:
            return default
        stem = default.rpartition(".")[0] or default
    stem = stem[: _MAX_NAME - len(ext) - 1].rstrip("._-") or "document"
    return f"{stem}.{ext}" if ext else stem


def _prefix(org_id: str, document_id: str) -> str:
    # Both ids are checked plausible ids (shared.ids), but sanitise anyway: a key is a path.
    return f"documents/{safe_filename(org_id, 'org')}/{safe_filename(document_id, 'doc')}"


def original_key(org_id: str, document_id: str, upload_id: str, filename: str) -> str:
    return f"{_prefix(org_id, document_id)}/original/{upload_id}/{safe_filename(filename)}"


def verified_key(org_id: str, document_id: str, check_id: str) -> str:
    """Where one verification stores the PDF to sign (a copy of the upload, or the converted image).

    One key per check, not per upload, so two concurrent checks of the same upload never
    overwrite each other's object; the one that loses the database update deletes its own."""
    return f"{_prefix(org_id, document_id)}/verified/{check_id}.pdf"


def attachment_key(org_id: str, document_id: str, attachment_id: str) -> str:
    return f"{_prefix(org_id, document_id)}/attachments/{safe_filename(attachment_id, 'attachment')}.pdf"


def signed_key(org_id: str, document_id: str, name: str) -> str:
    stem = safe_filename(name, "document").removesuffix(".pdf")
    return f"{_prefix(org_id, document_id)}/signed/{stem}.pdf"
