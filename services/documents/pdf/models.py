"""What the documents service hands the PDF builder: field values to stamp and the certificate.

Plain frozen dataclasses rather than pydantic models: these never cross a process or network
boundary; the service has already validated the values with its own API models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True, slots=True)
class TypedSignature:
    """A signature or initials the signer typed: rendered in the bundled script font."""

    text: str


@dataclass(frozen=True, slots=True)
class DrawnSignature:
    """A signature or initials the signer drew (or a stamp/image): the image file's bytes.

    PNG from the signing page's canvas (the data URL already decoded); JPEG and WebP also work.
    The bytes are untrusted and are opened with the same pixel limits as uploads."""

    image: bytes = field(repr=False)


FieldValue = (
    TypedSignature | DrawnSignature | bool | date | datetime | str | int | float | Decimal | Sequence[str] | None
)


@dataclass(frozen=True, slots=True)
class StampField:
    """One filled field. Coordinates are PDF points from the top-left corner of the page as
    displayed (after /Rotate, over the CropBox) — the same space the API and signing page use.

    How it is drawn follows the value: a TypedSignature in the script font, a DrawnSignature as
    an image, a bool as a check mark (nothing when False), a date as "May 29, 2026", anything
    else as text sized to fit the box. `type` refines that (date strings for date fields) and
    None means the field was left empty."""

    page: int  # 1-based
    x: float
    y: float
    width: float
    height: float
    type: str
    value: FieldValue
    language: str = "en"  # of the signer who filled it: how a date reads (shared/i18n.py)


@dataclass(frozen=True, slots=True)
class ParticipantEvent:
    """One thing a participant did (or the platform did for them), as recorded when it happened."""

    kind: str  # invited | reminded | viewed | otp_requested | otp_verified | otp_locked | otp_unlocked
    #            | signed | approved | declined  (labels: certificate_text.EVENT_LABELS)
    at: datetime
    ip: str | None = None
    user_agent: str | None = None
    place: Place | None = None  # where `ip` is, when the GeoIP database knows


@dataclass(frozen=True, slots=True)
class Place:
    """Where an IP address is, from the GeoIP database: either part may be unknown."""

    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The audit chain as the certificate vouches for it: its first `entries` entries hold every
    event of the document up to completion, and `hash` is the last of them's."""

    entries: int
    hash: str


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    email: str
    role: str  # signer | approver | viewer
    ip: str | None = None
    user_agent: str | None = None
    viewed_at: datetime | None = None
    signed_at: datetime | None = None  # signed, or approved for an approver
    signature: TypedSignature | DrawnSignature | None = None
    otp_verified_at: datetime | None = None  # when the one-time code was accepted (otpMethod email)
    consent_at: datetime | None = None  # consent to electronic records and signatures, when asked
    events: Sequence[ParticipantEvent] = ()  # oldest first
    place: Place | None = None  # where `ip` is


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file sent along with the document (already a verified PDF), appended after its pages."""

    name: str
    sha256: str  # hex digest of the attached PDF, as stored and appended
    path: Path | None = None  # where the builder reads it; None on the certificate's own copy
    first_page: int | None = None  # its first page in the signed PDF (set by the builder)
    pages: int | None = None


@dataclass(frozen=True, slots=True)
class Certificate:
    document_name: str
    document_id: str
    original_sha256: str  # hex digest of the PDF as sent for signature
    completed_at: datetime
    participants: Sequence[Participant]
    sent_at: datetime | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    sender_org_name: str | None = None
    otp_method: str | None = None  # "email" when every participant had to enter a one-time code
    audit_head: AuditHead | None = None  # printed with how to verify it; None only in tests of layout
    attachments: Sequence[AttachedFile] = ()  # listed with their hashes and pages
    language: str = "en"  # the document's: the certificate's words and dates (certificate_text.Words)
