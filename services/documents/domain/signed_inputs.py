"""What the PDF builder gets for a document: its filled fields and its certificate (pure: no I/O).

Stored values (signing_validation's JSON) become the toolkit's types: typed signatures
`TypedSignature`, drawn ones `DrawnSignature` (the data URL decoded), dates `date`; the rest
passes through. Everything here depends only on the stored rows, so a build retried after a crash
gets exactly the same inputs (the PDF toolkit is deterministic: the same signed-file hash).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from services.documents.domain.ownership import candidates, own_fields
from services.documents.domain.turns import PARTICIPANT_ROLES
from services.documents.pdf.models import (
    AttachedFile,
    AuditHead,
    Certificate,
    DrawnSignature,
    FieldValue,
    Participant,
    ParticipantEvent,
    Place,
    StampField,
    TypedSignature,
)
from shared.i18n import DEFAULT_LANGUAGE, pick, translations

Row = Mapping[str, Any]
DATE_TYPES = frozenset({"date", "date_signed"})


def to_field_value(field_type: str, stored: Any, language: str = DEFAULT_LANGUAGE) -> FieldValue:
    if field_type == "attachment" and isinstance(stored, Mapping):
        # The file itself follows the document's pages; the field names it, in the words (and
        # the catalogue) of the signing page's preview of the same box.
        attached = translations("page", language).gettext("Attached: %(file)s")
        return attached % {"file": stored.get("fileName", "file")}
    if isinstance(stored, Mapping):
        if stored.get("type") == "typed":
            return TypedSignature(str(stored["text"]))
        if stored.get("type") == "drawn":
            return DrawnSignature(base64.b64decode(str(stored["image"]).split(",", 1)[1]))
    if field_type in DATE_TYPES and isinstance(stored, str):
        return date.fromisoformat(stored)
    return stored  # type: ignore[no-any-return]


def field_languages(document: Row, signers: Sequence[Row], fields: Sequence[Row]) -> dict[str, str]:
    """Field id → the language its dates are written in: that of the signer who filled it (the one
    who completed, among those the field points at), else the document's, else English."""
    languages: dict[str, str] = {}
    for f in fields:
        people = candidates(f, signers)
        filler = next((s for s in people if s["status"] == "completed"), people[0] if people else None)
        languages[f["id"]] = pick(filler.get("language") if filler else None, document.get("language"))
    return languages


def stamp_fields(
    fields: Sequence[Row], values: Mapping[str, Any], languages: Mapping[str, str] | None = None
) -> list[StampField]:
    """Every field that has a value, in the document's order (empty optional fields stay blank);
    `languages` (field_languages) decides how dates read, English when not given."""
    languages = languages or {}
    return [
        StampField(
            page=f["page"],
            x=f["x"],
            y=f["y"],
            width=f["width"],
            height=f["height"],
            type=f["type"],
            value=to_field_value(f["type"], values[f["id"]], languages.get(f["id"], DEFAULT_LANGUAGE)),
            language=languages.get(f["id"], DEFAULT_LANGUAGE),
        )
        for f in fields
        if f["id"] in values
    ]


def _signature_of(
    signer: Row, fields: Sequence[Row], values: Mapping[str, Any]
) -> TypedSignature | DrawnSignature | None:
    """The signer's signature (else their initials) as shown on the certificate."""
    own = [f for f in own_fields(fields, signer) if f["id"] in values]
    for kind in ("signature", "initials"):
        for field in own:
            if field["type"] == kind:
                value = to_field_value(kind, values[field["id"]])
                if isinstance(value, (TypedSignature, DrawnSignature)):
                    return value
    return None


def certificate(
    document: Row,
    signers: Sequence[Row],
    fields: Sequence[Row],
    values: Mapping[str, Any],
    completed_at: datetime,
    events: Mapping[str, Sequence[ParticipantEvent]] | None = None,
    places: Mapping[str, Place] | None = None,
    audit_head: AuditHead | None = None,
    attachments: Sequence[AttachedFile] = (),
) -> Certificate:
    """`events`: signer id → what they did (domain/participant_events.by_participant); `places`:
    IP address → where it is; `audit_head`: the audit chain that holds every event so far;
    `attachments`: the files appended after the document's pages, in order."""
    events = events or {}
    places = places or {}
    participants = [
        Participant(
            name=s["name"],
            email=s["email"],
            role=s["role"],
            ip=s["ip"],
            user_agent=s["user_agent"],
            place=places.get(s["ip"] or ""),
            viewed_at=s["viewed_at"],
            signed_at=s["signed_at"],
            signature=_signature_of(s, fields, values) if s["role"] == "signer" else None,
            otp_verified_at=s.get("otp_verified_at"),
            # The signing API refuses a signature without consent: it is given in the signing request.
            consent_at=s["signed_at"] if s["role"] == "signer" else None,
            events=tuple(events.get(s["id"], ())),
        )
        for s in signers
        if s["role"] in PARTICIPANT_ROLES
    ]
    return Certificate(
        document_name=document["name"],
        document_id=document["id"],
        original_sha256=document["document_hash"],
        completed_at=completed_at,
        participants=participants,
        sent_at=document["sent_at"],
        sender_name=document.get("sender_name"),
        sender_email=document.get("sender_email"),
        sender_org_name=document.get("sender_org_name"),
        otp_method=document.get("otp_method"),
        audit_head=audit_head,
        attachments=tuple(attachments),
        language=pick(document.get("language")),
    )
