"""What the certificate of completion says about each participant, as plain strings (pure: no I/O,
no layout), so the wording a court reads is unit-tested apart from where it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .models import AuditHead, Participant, ParticipantEvent, Place
from .values import format_datetime

EVENT_LABELS = {
    "invited": "Invitation emailed",
    "reminded": "Reminder emailed",
    "viewed": "Opened the document",
    "otp_requested": "One-time code emailed",
    "otp_verified": "One-time code verified",
    "otp_locked": "Locked after wrong codes",
    "otp_unlocked": "Unlocked by a new link",
    "signed": "Signed",
    "approved": "Approved",
    "declined": "Declined",
}
ROLE_LABELS = {"signer": ("Signer", "Signed"), "approver": ("Approver", "Approved"), "viewer": ("Viewer", "Completed")}


def when(value: datetime | None) -> str:
    return format_datetime(value) if value is not None else "—"


def role_labels(role: str) -> tuple[str, str]:
    """(what the participant is, what finishing is called for them)."""
    return ROLE_LABELS.get(role, (role.title(), "Completed"))


def authentication(participant: Participant, otp_method: str | None) -> str:
    """How the platform knew it was this person: the link only reaches their mailbox, and with
    otpMethod email a code sent there had to be typed back as well."""
    link = "Signing link sent by email"
    if otp_method != "email":
        return link
    if participant.otp_verified_at is None:
        return f"{link}; one-time code by email required, not verified"
    return f"{link}; one-time code by email verified {when(participant.otp_verified_at)}"


def consent(participant: Participant) -> str:
    """Consent to do business electronically: the signing API refuses a signature without it, so a
    signer's consent is given in the very request that signs (consent_at = signed_at)."""
    if participant.consent_at is not None:
        return f"Agreed to use electronic records and signatures, {when(participant.consent_at)}"
    if participant.role == "signer":
        return "Not given (did not sign)"
    return "Not asked (this participant did not sign)"


def event_label(event: ParticipantEvent) -> str:
    return EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())


def location(ip: str | None, place: Place | None) -> str:
    """Where an address is: "Lisbon, PT"; "Location unknown" when the GeoIP database does not say
    (or there is none); "—" when there was no connection to place."""
    if not ip:
        return "—"
    known = [part for part in (place.city, place.country) if part] if place is not None else []
    return ", ".join(known) if known else "Location unknown"


def event_rows(events: Sequence[ParticipantEvent]) -> list[tuple[str, str, str, str, str]]:
    """(time, what happened, IP address, location, user agent) per event, oldest first; "—" where
    the platform did not see the participant's connection (emails are sent by the platform)."""
    ordered = sorted(events, key=lambda e: e.at)
    return [(when(e.at), event_label(e), e.ip or "—", location(e.ip, e.place), e.user_agent or "—") for e in ordered]


def audit_summary(head: AuditHead) -> str:
    entries = "entry" if head.entries == 1 else "entries"
    return f"{head.entries} {entries} up to completion; the hash of entry {head.entries}, the chain's head then:"


def audit_how_to_verify(document_id: str, head: AuditHead) -> str:
    """Each audit entry's hash covers its fields and the previous entry's hash, so this one hash
    vouches for every entry before it: a changed, removed or reordered entry shows."""
    return (
        f"Check it: countersign audit verify {document_id}, or GET /api/v1/documents/{document_id}/audit/verify "
        f"(scope documents.read) says the chain is intact, and entry {head.entries} of "
        f"GET /api/v1/documents/{document_id}/audit carries this hash."
    )
