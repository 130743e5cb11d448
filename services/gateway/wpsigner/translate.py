"""The core's problem+json answers → WordPress errors (pure, no I/O).

The documents core decides (draft-only edits, send prerequisites, transitions, file checks);
this module only re-words its refusals for WPsigner clients: property names become WPsigner
parameter names, core ids become WPsigner numbers, statuses become WPsigner statuses, and the
send prerequisites get the reference's codes (`no_signers`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from services.gateway.wpsigner import errors
from services.gateway.wpsigner.errors import WpError
from services.gateway.wpsigner.statuses import document_status

DOCUMENT_PARAMS: dict[str, str] = {"name": "title"}
SIGNER_PARAMS: dict[str, str] = {"order": "signing_order"}
FIELD_PARAMS: dict[str, str] = {
    "type": "field_type",
    "page": "page_number",
    "x": "position_x",
    "y": "position_y",
    "required": "is_required",
    "label": "field_name",
    "defaultValue": "value",
    "assignedTo": "signer_id",
}
UPLOAD_PARAMS: dict[str, str] = {"fileSize": "file", "filename": "original_filename", "contentType": "file"}

# The core's refusals (409) by the start of their detail → WPsigner error codes.
_CONFLICT_CODES: tuple[tuple[str, str], ...] = (
    ("Only draft documents can be changed", "document_not_editable"),
    ("Only draft documents can be sent", "invalid_status"),
    ("Only pending or action_required documents can be cancelled", "invalid_status_transition"),
    ("Documents in pending or action_required status cannot be deleted", "cannot_delete"),
    ("A signer with this email address is already on the document", "signer_exists"),
    ("A document can have at most", "limit_reached"),
)

_STATUS_IN_DETAIL = re.compile(r"\(the document is (\w+)\)")


def sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _detail(body: Any) -> str:
    detail = body.get("detail") if isinstance(body, Mapping) else None
    return detail if isinstance(detail, str) and detail else "The request was refused"


def _field_errors(body: Any) -> list[tuple[str, str]]:
    items = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        return []
    return [
        (str(e.get("field", "body")), str(e.get("message", "Invalid value"))) for e in items if isinstance(e, Mapping)
    ]


def wp_words(detail: str) -> str:
    """`(the document is pending)` → `(the document is sent)`: WPsigner's status words."""
    return _STATUS_IN_DETAIL.sub(lambda m: f"(the document is {document_status(m.group(1), False)})", detail)


def rename_path(path: str, params: Mapping[str, str], numbers: Mapping[str, int] | None = None) -> str:
    """`fields.fld_x.assignedTo` → `fields.74.signer_id`; `name` → `title`."""
    known = numbers or {}
    return ".".join(str(known[part]) if part in known else params.get(part, part) for part in path.split("."))


def core_error(
    status: int, body: Any, *, params: Mapping[str, str] | None = None, conflict_code: str = "invalid_status"
) -> WpError:
    detail = _detail(body)
    if status == 404:
        what = detail.removesuffix(" not found") if detail.endswith(" not found") else "Document"
        return errors.not_found(what)
    if status in (400, 422):
        problems = _field_errors(body)
        if problems:
            named: dict[str, str] = {}
            for path, message in problems:
                name = rename_path(path, params or {})
                named.setdefault(name, f"{name}: {sentence(message)}")
            return errors.invalid_params(named)
        return WpError(400, "rest_invalid_param", sentence(detail))
    if status == 409:
        code = next((c for prefix, c in _CONFLICT_CODES if detail.startswith(prefix)), conflict_code)
        return WpError(409, code, sentence(wp_words(detail)))
    if status == 413:
        return errors.too_large()
    if status == 503:
        return errors.unavailable()
    return errors.upstream_unavailable()


def error_map(
    params: Mapping[str, str] | None = None, conflict_code: str = "invalid_status"
) -> Callable[[int, Any], WpError]:
    """core_error with the parameter names and fallback conflict code of one operation."""

    def translate(status: int, body: Any) -> WpError:
        return core_error(status, body, params=params, conflict_code=conflict_code)

    return translate


_SEND_PARAMS: dict[str, str] = {"expiresAt": "expires_at", **FIELD_PARAMS}
_NO_FILE_PREFIX = "Upload the document's file first"


def _send_code(path: str, message: str) -> tuple[str, str]:
    if path == "signers":
        return "no_signers", (
            "Please add at least one signer." if message == "Add at least one signer" else sentence(message)
        )
    if path == "file":
        if message.startswith(_NO_FILE_PREFIX):
            return "no_file", "Please upload the document's file first."
        return "invalid_file", f"The document's file was rejected: {sentence(message)}"
    if path == "fields":
        return "no_fields", "Please add at least one field."
    if path.startswith("signers."):
        return "signer_without_fields", sentence(message)
    if path.startswith("fields."):
        return "invalid_fields", sentence(message)
    if path == "expiresAt":
        return "invalid_expiry", sentence(message)
    return "cannot_send", sentence(message)


# The order in which one refusal is chosen to lead, when several prerequisites are missing.
_SEND_PRIORITY = (
    "no_signers",
    "no_file",
    "invalid_file",
    "no_fields",
    "signer_without_fields",
    "invalid_fields",
    "invalid_expiry",
    "cannot_send",
)


def send_error(status: int, body: Any, numbers: Mapping[str, int]) -> WpError:
    """Why the core would not send: the reference's `no_signers` (400) and its siblings, the
    leading reason as code and message, and every reason in `data.errors`."""
    problems = _field_errors(body) if status == 422 else []
    if not problems:
        return core_error(status, body, conflict_code="invalid_status")
    reasons = [(*_send_code(path, message), rename_path(path, _SEND_PARAMS, numbers)) for path, message in problems]
    reasons.sort(key=lambda r: _SEND_PRIORITY.index(r[0]))
    code, message, _ = reasons[0]
    details = [{"code": c, "param": p, "message": m} for c, m, p in reasons]
    return WpError(400, code, message, errors=details)
