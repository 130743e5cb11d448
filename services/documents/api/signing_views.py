"""Results of the signing use cases → the signing API's response models (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.documents.api.views import number
from services.documents.commands.otp_service import mask_email
from services.documents.commands.signing_service import Outcome, SessionView
from services.documents.domain.signing_validation import server_filled
from shared.contracts.document_responses import FieldValidationRules
from shared.contracts.signing import (
    PageSize,
    SigningAttachment,
    SigningField,
    SigningOutcome,
    SigningSession,
    SigningSigner,
)
from shared.contracts.signing_page import SigningSender


def signing_field(field: Mapping[str, Any]) -> SigningField:
    return SigningField(
        id=field["id"],
        type=field["type"],
        label=field["label"],
        page=field["page"],
        x=number(field["x"]),
        y=number(field["y"]),
        width=number(field["width"]),
        height=number(field["height"]),
        required=field["required"],
        readOnly=field["read_only"],
        placeholder=field["placeholder"],
        defaultValue=field["default_value"],
        options=field["options"],
        autoFilled=server_filled(field),
        validation=_rules(field["validation"]),
        formula=field["formula"],
    )


def _rules(stored: Any) -> FieldValidationRules | None:
    """The field's rules with every key; a stored pattern (a string) is the `pattern` rule."""
    if stored is None:
        return None
    rules = {"pattern": stored} if isinstance(stored, str) else stored
    return FieldValidationRules(**{key: rules.get(key) for key in FieldValidationRules.model_fields})


def signing_attachment(row: Mapping[str, Any]) -> SigningAttachment:
    return SigningAttachment(
        id=row["id"],
        fileName=row["file_name"],
        fileSize=row["file_size"],
        pageCount=row["page_count"],
        fieldId=row["field_id"],
    )


def session(view: SessionView, attachment_max_bytes: int) -> SigningSession:
    document, signer = view.document, view.signer
    sizes = document["page_sizes"] or []
    return SigningSession(
        documentId=document["id"],
        name=document["name"],
        message=document["message"],
        signingType=document["signing_type"],
        expiresAt=document["expires_at"],
        pageCount=document["page_count"] or len(sizes),
        pages=[PageSize(page=i, width=number(w), height=number(h)) for i, (w, h) in enumerate(sizes, start=1)],
        signer=SigningSigner(
            id=signer["id"],
            name=signer["name"],
            email=signer["email"],
            role=signer["role"],
            status=signer["status"],
            viewedAt=signer["viewed_at"],
            signedAt=signer["signed_at"],
        ),
        fields=[signing_field(f) for f in view.fields],
        otpRequired=view.otp_required,
        otpVerified=view.otp_verified,
        otpLocked=view.otp_locked,
        isTurn=view.is_turn,
        attachments=[signing_attachment(a) for a in view.attachments],
        redirectUrl=view.redirect_url,
        attachmentMaxBytes=attachment_max_bytes,
        sender=sender(document),
        sentTo=mask_email(signer["email"]),
        language=signer.get("language") or document.get("language"),
    )


def sender(document: Mapping[str, Any]) -> SigningSender | None:
    """Name and organisation only: the sender's email address is not the signer's to harvest."""
    name, org, logo = document.get("sender_name"), document.get("sender_org_name"), document.get("sender_org_logo")
    if not (name or org):
        return None
    # A path on the page's own origin: the gateway serves logos (services/gateway/org_logo.py).
    return SigningSender(name=name, orgName=org, logoUrl=f"/brand/logos/{logo}.png" if logo else None)


def outcome(result: Outcome) -> SigningOutcome:
    return SigningOutcome(
        signerId=result.signer_id,
        status=result.status,
        at=result.at,  # type: ignore[arg-type]
        documentStatus=result.document_status,
        finalizing=result.finalizing,
    )  # type: ignore[arg-type]
