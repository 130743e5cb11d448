"""Why an upload was refused: a stable machine code plus a sentence a person can act on; and
the kinds of active content removed from an accepted one.

The codes are part of the contract with callers (the documents service stores them on the
document, names a refusal in a 422 and lists removed kinds in the document's detail), so values
never change meaning; the message may be reworded freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Re-exported beside the refusal codes: the kinds of removed active content are part of the API
# contract (a document's `activeContentKinds`), declared there without pydantic or pypdf.
from shared.contracts.active_content import ActiveKind

__all__ = ["ActiveKind", "RejectCode", "Rejected", "Rejection"]


class RejectCode(StrEnum):
    EMPTY = "empty"  # zero bytes, or a PDF without pages
    MISSING = "missing"  # the file to inspect does not exist
    TOO_LARGE = "too_large"  # more bytes than allowed
    UNSUPPORTED_TYPE = "unsupported_type"  # declared type is not one we accept
    NOT_A_PDF = "not_a_pdf"  # declared PDF, content is no type we recognise
    TYPE_MISMATCH = "type_mismatch"  # content is a known type, but not the declared one
    ENCRYPTED = "encrypted"  # password-protected or otherwise encrypted PDF
    TRUNCATED = "truncated"  # no end-of-file marker: an interrupted upload
    UNPARSEABLE = "unparseable"  # damaged or malformed PDF
    TOO_MANY_PAGES = "too_many_pages"
    INVALID_IMAGE = "invalid_image"  # declared image that cannot be decoded
    IMAGE_TOO_LARGE = "image_too_large"  # pixel dimensions past the limit (pixel bomb)
    RESOURCE_LIMIT = "resource_limit"  # needed more memory/output than the checker may use
    TIMEOUT = "timeout"  # needed more time than the checker may use
    CHECKER_FAILED = "checker_failed"  # the checker process died (crash, signal): never trusted


@dataclass(frozen=True, slots=True)
class Rejection:
    code: RejectCode
    message: str

    def __str__(self) -> str:
        return f"{self.message} ({self.code.value})"


class Rejected(Exception):
    """Raised inside the checker to stop at the first reason; never crosses the process boundary."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.rejection = Rejection(code, message)
