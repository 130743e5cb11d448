"""Why an upload was refused: a stable machine code plus a sentence a person can act on; and
the kinds of active content removed from an accepted one.

The codes are part of the contract with callers (the documents service stores them on the
document, names a refusal in a 422 and lists removed kinds in the document's detail), so values
never change meaning; the message may be reworded freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectCode(StrEnum):
    EMPTY = "empty"                      # zero bytes, or a PDF without pages
    MISSING = "missing"                  # the file to inspect does not exist
    TOO_LARGE = "too_large"              # more bytes than allowed
    UNSUPPORTED_TYPE = "unsupported_type"  # declared type is not one we accept
    NOT_A_PDF = "not_a_pdf"              # declared PDF, content is no type we recognise
    TYPE_MISMATCH = "type_mismatch"      # content is a known type, but not the declared one
    ENCRYPTED = "encrypted"              # password-protected or otherwise encrypted PDF
    TRUNCATED = "truncated"              # no end-of-file marker: an interrupted upload
    UNPARSEABLE = "unparseable"          # damaged or malformed PDF
    TOO_MANY_PAGES = "too_many_pages"
    INVALID_IMAGE = "invalid_image"      # declared image that cannot be decoded
    IMAGE_TOO_LARGE = "image_too_large"  # pixel dimensions past the limit (pixel bomb)
    RESOURCE_LIMIT = "resource_limit"    # needed more memory/output than the checker may use
    TIMEOUT = "timeout"                  # needed more time than the checker may use
    CHECKER_FAILED = "checker_failed"    # the checker process died (crash, signal): never trusted


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


# What an accepted PDF had removed before signers saw it (active_content.py). Defined here,
# beside the refusal codes, so the parent validates a checker's reply without importing pypdf.
class ActiveKind(StrEnum):
    """A kind of active content removed from an uploaded PDF before signers saw it (docs/files.md).
    Stable values: stored on the document and listed in its `activeContentKinds`."""

    JAVASCRIPT = "javascript"                  # JavaScript actions and the document's /JavaScript name tree
    OPEN_ACTION = "open_action"                # an /OpenAction that is more than a jump inside the document
    ADDITIONAL_ACTIONS = "additional_actions"  # /AA: actions run on events (open, close, focus, keystroke…)
    LAUNCH = "launch"                          # /Launch: start a program or open a file
    EMBEDDED_FILE = "embedded_file"            # /EmbeddedFiles, /FileAttachment annotations, /AF, portfolios
    SUBMIT_FORM = "submit_form"                # /SubmitForm: send form data somewhere
    IMPORT_DATA = "import_data"                # /ImportData: load form data from a file
    REMOTE_GOTO = "remote_goto"                # /GoToR, /GoToE: open another (or an embedded) document
    RICH_MEDIA = "rich_media"                  # multimedia and 3D annotations and actions
    XFA = "xfa"                                # XML forms (/AcroForm /XFA), scriptable on their own
    UNSAFE_LINK = "unsafe_link"                # a /URI that is not http, https or mailto (javascript:, file:)
    OTHER_ACTION = "other_action"              # any other action type: not on the allow-list
