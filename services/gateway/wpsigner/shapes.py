"""Core records → WPsigner response bodies (pure, no I/O).

WPsigner writes every scalar as a string ("44", "5", "90.0", "1") and timestamps as
`YYYY-MM-DD HH:MM:SS`; ids are the numbers of migrations 0004 (documents/signers/fields), never
the core's text ids. Key order follows the reference's examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from services.gateway.wpsigner.statuses import document_status, signer_status
from shared.contracts.wpsigner import AuditEvent, DocumentDetail, DocumentRow, FormField, Signer

# WPsigner field type <-> core field type, where the names differ. WPsigner's `date` is the
# signing date, filled in automatically (the core's date_signed); the core's `date` (a date the
# signer picks) has no WPsigner name and is shown as the extension `date_picker`.
_WP_TO_CORE_TYPES: dict[str, str] = {"date": "date_signed", "date_picker": "date", "radio": "radio_group"}
_CORE_TO_WP_TYPES: dict[str, str] = {core: wp for wp, core in _WP_TO_CORE_TYPES.items()}


def core_field_type(wp_type: str) -> str:
    return _WP_TO_CORE_TYPES.get(wp_type, wp_type)


def wp_field_type(core_type: str) -> str:
    return _CORE_TO_WP_TYPES.get(core_type, core_type)


def wp_time(value: datetime | None) -> str | None:
    """`2024-01-20 15:30:45`, in UTC (WordPress would use the site's zone; an API has none)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _count(value: int | None) -> str | None:
    return None if value is None else str(value)


def position(value: float) -> str:
    """Positions keep a decimal point, as the reference shows them: 90.0, 276.9."""
    return repr(float(value))


def size(value: float) -> str:
    """Sizes are integers when integral, as the reference shows them: 200, 60."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def flag(value: bool) -> str:
    return "1" if value else "0"


def value_text(value: Any) -> str:
    """A submitted field value as WPsigner's string `value`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return flag(value)
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, Mapping):  # a signature: typed text reads back; a drawing is an image
        text = value.get("text")
        return text if isinstance(text, str) else ""
    if isinstance(value, list):
        return orjson.dumps(value).decode()
    return ""


# --- documents --------------------------------------------------------------------------------


def document(row: DocumentRow) -> dict[str, Any]:
    """The document object of the list, of POST and of PUT."""
    return {
        "id": str(row.number),
        "title": row.name,
        "status": document_status(row.status, row.anyViewed),
        "original_filename": row.fileName,
        "total_pages": _count(row.pageCount),
        "expires_at": wp_time(row.expiresAt),
        "completed_at": wp_time(row.completedAt),
        "created_at": wp_time(row.createdAt),
        "updated_at": wp_time(row.updatedAt),
    }


def document_detail(detail: DocumentDetail, file_url: str | None) -> dict[str, Any]:
    return {
        **document(detail),
        "file_url": file_url,
        "file_hash": detail.documentHash,
        "signers": [signer_in_document(s, detail.number) for s in detail.signers],
        "fields": [field_in_document(f, detail.number, detail.signers) for f in detail.fields],
    }


# --- signers ----------------------------------------------------------------------------------


def signer_in_document(s: Signer, document_number: int) -> dict[str, Any]:
    return {
        "id": str(s.number),
        "document_id": str(document_number),
        "name": s.name,
        "email": s.email,
        "role": s.role,
        "signing_order": str(s.order),
        "status": signer_status(s.status, wp_time(s.viewedAt)),
        "viewed_at": wp_time(s.viewedAt),
        "signed_at": wp_time(s.signedAt),
        "declined_at": wp_time(s.declinedAt),
        "decline_reason": s.declineReason,
        "created_at": wp_time(s.createdAt),
        "updated_at": wp_time(s.updatedAt),
    }


def signer_entry(s: Signer, signing_url: str) -> dict[str, Any]:
    """A signer of GET/POST /documents/{id}/signers (the Signers API's shape)."""
    return {
        "id": str(s.number),
        "name": s.name,
        "email": s.email,
        "role": s.role,
        "signing_order": str(s.order),
        "status": signer_status(s.status, wp_time(s.viewedAt)),
        "viewed_at": wp_time(s.viewedAt),
        "signed_at": wp_time(s.signedAt),
        "signing_url": signing_url,
    }


# --- fields -----------------------------------------------------------------------------------


def field_signer(f: FormField, signers: Sequence[Signer]) -> str | None:
    """The WPsigner signer of a field: the participant holding the field's order (the core
    assigns fields to an order; send refuses an order shared by two participants)."""
    if f.assignedTo is None:
        return None
    holders = [s for s in signers if s.order == f.assignedTo]
    participants = [s for s in holders if s.role != "viewer"] or holders
    return str(participants[0].number) if participants else None


def field_in_document(f: FormField, document_number: int, signers: Sequence[Signer]) -> dict[str, Any]:
    return {
        "id": str(f.number),
        "document_id": str(document_number),
        "signer_id": field_signer(f, signers),
        "field_type": wp_field_type(f.type),
        "page_number": str(f.page),
        "position_x": position(f.x),
        "position_y": position(f.y),
        "width": size(f.width),
        "height": size(f.height),
        "is_required": flag(f.required),
    }


def field_entry(f: FormField, document_number: int, signers: Sequence[Signer]) -> dict[str, Any]:
    """A field of GET/POST /documents/{id}/fields (the Fields API's full shape). Stamped text is
    sized to fit its box, so there is no fixed font size or family to report."""
    return {
        "id": str(f.number),
        "document_id": str(document_number),
        "signer_id": field_signer(f, signers),
        "field_type": wp_field_type(f.type),
        "field_name": f.label or "",
        "page_number": str(f.page),
        "position_x": position(f.x),
        "position_y": position(f.y),
        "width": size(f.width),
        "height": size(f.height),
        "value": value_text(f.value) if f.value is not None else (f.defaultValue or ""),
        "placeholder": f.placeholder or "",
        "is_required": flag(f.required),
        "font_size": "",
        "font_family": "",
        "options": orjson.dumps(f.options).decode() if f.options else "",
        "created_at": wp_time(f.createdAt),
        "updated_at": wp_time(f.updatedAt),
    }


# --- audit ------------------------------------------------------------------------------------

ACTIONS: dict[str, str] = {
    "document.created": "document_created",
    "document.updated": "document_updated",
    "document.sent": "document_sent",
    "signer.viewed": "document_viewed",
    "document.viewed": "document_viewed",
    "signer.completed": "document_signed",
    "signer.approved": "document_approved",
    "signer.declined": "document_declined",
    "document.completed": "document_completed",
    "document.cancelled": "document_cancelled",
    "document.expired": "document_expired",
    "document.downloaded": "document_downloaded",
    "document.deleted": "document_deleted",
    "signer.invited": "signer_invited",
    "signer.reminded": "reminder_sent",
    "signer.otp_requested": "otp_requested",
    "signer.otp_locked": "otp_locked",
    "signer.otp_unlocked": "otp_unlocked",
    "signer.delivery_failed": "delivery_failed",
}
# `document.declined` is the status change caused by a `signer.declined` (document_declined,
# which names the signer): one act, one WPsigner event.
SKIPPED_ACTIONS = frozenset({"document.declined"})


def wp_action(event_type: str) -> str:
    return ACTIONS.get(event_type, event_type.replace(".", "_"))


def audit_event(event: AuditEvent, signer_names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"action": wp_action(event.action), "timestamp": wp_time(event.createdAt)}
    name = signer_names.get(event.actorId or "") if event.actorType == "signer" else None
    if name is not None:
        out["signer"] = name
    out["ip_address"] = event.ipAddress
    out["user_agent"] = event.userAgent
    return out


def audit_trail(detail: DocumentDetail, events: Iterable[AuditEvent]) -> dict[str, Any]:
    names = {s.id: s.name for s in detail.signers}
    return {
        "document": {"id": str(detail.number), "title": detail.name, "file_hash": detail.documentHash},
        "events": [audit_event(e, names) for e in events if e.action not in SKIPPED_ACTIONS],
    }
