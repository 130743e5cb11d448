"""signer.reminded: still waiting for you, with the signing link."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted, verb
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "signing_link"


def subject(ctx: MailContext) -> str:
    return "Reminder: " + (
        ctx.emailSubject or f"{quoted(ctx.documentName)} is waiting for you to {verb(ctx.recipient.role)}"
    )
