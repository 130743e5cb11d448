"""What one email is about: the context stored with its row and handed to its template.

Built from the event when the event is consumed (recipients.py) and kept in
`notifier.emails.context`, so an email can be written — and retried — without the event. It
never holds a signing link, a token or a one-time code: those are fetched from the documents
service right before sending and live only in memory (docs/emails.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.i18n import pick

Kind = Literal["invitation", "reminder", "otp", "completed", "declined", "cancelled", "expired", "delivery_failed"]
Audience = Literal["participant", "sender"]
KINDS: tuple[str, ...] = (
    "invitation",
    "reminder",
    "otp",
    "completed",
    "declined",
    "cancelled",
    "expired",
    "delivery_failed",
)


class Party(BaseModel):
    """A person named by an event: a signer ({id, name, email, role, order}) or the sender."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str | None = None
    email: str | None = None
    role: str | None = None
    order: int | None = None
    language: str | None = None  # a signer's own, when set (docs/languages.md)

    @classmethod
    def of(cls, value: Any) -> Party | None:
        return cls.model_validate(value) if isinstance(value, dict) else None


class Sender(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    email: str | None = None
    orgName: str | None = None
    logo: str | None = None  # the SHA-256 of the organisation's logo, served at /brand/logos/{logo}.png


class MailContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    audience: Audience = "participant"
    recipient: Party
    documentId: str | None = None
    documentName: str = "a document"
    sender: Sender | None = None
    occurredAt: datetime
    # invitation / reminder
    message: str | None = None
    emailSubject: str | None = None
    emailMessage: str | None = None
    expiresAt: datetime | None = None
    # declined / delivery_failed: who declined, or whose email bounced, and why
    about: Party | None = None
    reason: str | None = None
    bouncedEmail: str | None = None
    # expired: who had not finished
    people: list[Party] = []
    # The document's language: for recipients without their own, and for the sender's emails.
    documentLanguage: str | None = None

    @property
    def language(self) -> str:
        """The recipient's language, else the document's, else English."""
        own = self.recipient.language if self.audience == "participant" else None
        return pick(own, self.documentLanguage)

    @property
    def org_name(self) -> str | None:
        return self.sender.orgName if self.sender else None

    @property
    def logo(self) -> str | None:
        logo = self.sender.logo if self.sender else None
        # A hash and nothing else: it becomes part of a URL in the email.
        return logo if logo and len(logo) == 64 and all(c in "0123456789abcdef" for c in logo) else None

    @property
    def sender_name(self) -> str | None:
        return self.sender.name if self.sender else None

    @property
    def sender_email(self) -> str | None:
        return self.sender.email if self.sender else None
