"""What the certificate of completion says about each participant, as plain strings (pure: no I/O,
no layout), so the wording a court reads is unit-tested apart from where it is drawn.

The words are messages of the `pdf` catalogue (shared/locale, docs/languages.md), written in the
document's language (`Words`); English, the msgids, when it has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.i18n import DEFAULT_LANGUAGE, translations

from .models import AttachedFile, AuditHead, Certificate, Participant, ParticipantEvent, Place
from .values import format_datetime

DOMAIN = "pdf"  # shared/locale/<language>/LC_MESSAGES/pdf.po


def N_(message: str) -> str:
    """Marks a message for extraction where it is declared; it is translated where it is used."""
    return message


@dataclass(frozen=True, slots=True)
class Words:
    """The certificate's language: `words("…")` translates a message, `words.when(t)` a time."""

    language: str = DEFAULT_LANGUAGE

    def __call__(self, message: str) -> str:
        return translations(DOMAIN, self.language).gettext(message)

    def when(self, value: datetime | None) -> str:
        return format_datetime(value, self.language) if value is not None else "—"


ENGLISH = Words()

EVENT_LABELS = {
    "invited": N_("Invitation emailed"),
    "reminded": N_("Reminder emailed"),
    "viewed": N_("Opened the document"),
    "otp_requested": N_("One-time code emailed"),
    "otp_verified": N_("One-time code verified"),
    "otp_locked": N_("Locked after wrong codes"),
    "otp_unlocked": N_("Unlocked by a new link"),
    "signed": N_("Signed"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
}
ROLE_LABELS = {
    "signer": (N_("Signer"), N_("Signed")),
    "approver": (N_("Approver"), N_("Approved")),
    "viewer": (N_("Viewer"), N_("Completed")),
}


def when(value: datetime | None, words: Words = ENGLISH) -> str:
    return words.when(value)


def role_labels(role: str, words: Words = ENGLISH) -> tuple[str, str]:
    """(what the participant is, what finishing is called for them)."""
    what, done = ROLE_LABELS.get(role, (role.title(), N_("Completed")))
    return (words(what), words(done))


def authentication(participant: Participant, otp_method: str | None, words: Words = ENGLISH) -> str:
    """How the platform knew it was this person: the link only reaches their mailbox, and with
    otpMethod email a code sent there had to be typed back as well."""
    _ = words
    if otp_method != "email":
        return _("Signing link sent by email")
    if participant.otp_verified_at is None:
        return _("Signing link sent by email; one-time code by email required, not verified")
    verified = _("Signing link sent by email; one-time code by email verified %(time)s")
    return verified % {"time": words.when(participant.otp_verified_at)}


def consent(participant: Participant, words: Words = ENGLISH) -> str:
    """Consent to do business electronically: the signing API refuses a signature without it, so a
    signer's consent is given in the very request that signs (consent_at = signed_at)."""
    _ = words
    if participant.consent_at is not None:
        given = _("Agreed to use electronic records and signatures, %(time)s")
        return given % {"time": words.when(participant.consent_at)}
    if participant.role == "signer":
        return _("Not given (did not sign)")
    return _("Not asked (this participant did not sign)")


def event_label(event: ParticipantEvent, words: Words = ENGLISH) -> str:
    label = EVENT_LABELS.get(event.kind)
    return words(label) if label else event.kind.replace("_", " ").capitalize()


def location(ip: str | None, place: Place | None, words: Words = ENGLISH) -> str:
    """Where an address is: "Lisbon, PT"; "Location unknown" when the GeoIP database does not say
    (or there is none); "—" when there was no connection to place."""
    if not ip:
        return "—"
    known = [part for part in (place.city, place.country) if part] if place is not None else []
    return ", ".join(known) if known else words("Location unknown")


def event_rows(events: Sequence[ParticipantEvent], words: Words = ENGLISH) -> list[tuple[str, str, str, str, str]]:
    """(time, what happened, IP address, location, user agent) per event, oldest first; "—" where
    the platform did not see the participant's connection (emails are sent by the platform)."""
    ordered = sorted(events, key=lambda e: e.at)
    return [
        (words.when(e.at), event_label(e, words), e.ip or "—", location(e.ip, e.place, words), e.user_agent or "—")
        for e in ordered
    ]


def audit_summary(head: AuditHead, words: Words = ENGLISH) -> str:
    _ = words
    if head.entries == 1:
        return _("1 entry up to completion; the hash of entry 1, the chain's head then:")
    summary = _("%(count)s entries up to completion; the hash of entry %(count)s, the chain's head then:")
    return summary % {"count": head.entries}


def audit_how_to_verify(document_id: str, head: AuditHead, words: Words = ENGLISH) -> str:
    """Each audit entry's hash covers its fields and the previous entry's hash, so this one hash
    vouches for every entry before it: a changed, removed or reordered entry shows."""
    _ = words
    check = _(
        "Check it: countersign audit verify %(id)s, or GET /api/v1/documents/%(id)s/audit/verify "
        "(scope documents.read) says the chain is intact, and entry %(count)s of "
        "GET /api/v1/documents/%(id)s/audit carries this hash."
    )
    return check % {"id": document_id, "count": head.entries}


def page_count(cert: Certificate, original_pages: int, words: Words = ENGLISH) -> str:
    """The signed file's pages: the document's, its attachments', and the certificate."""
    _ = words
    attached = sum(a.pages or 0 for a in cert.attachments)
    if attached:
        return _("%(pages)s + %(attached)s attached + this certificate") % {
            "pages": original_pages,
            "attached": attached,
        }
    return _("%(pages)s + this certificate") % {"pages": original_pages}


def attachment_pages(attachment: AttachedFile, words: Words = ENGLISH) -> str:
    """` — pages 4–5` (or ` — page 4`): where an attachment is in the signed file; "" when unknown."""
    _ = words
    if attachment.first_page is None or not attachment.pages:
        return ""
    last = attachment.first_page + attachment.pages - 1
    return " — " + (
        _("page %(page)s") % {"page": attachment.first_page}
        if last == attachment.first_page
        else _("pages %(first)s–%(last)s") % {"first": attachment.first_page, "last": last}
    )
