"""signer.invited: your turn to sign (or approve), with the signing link."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted, verb, who_sent
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "signing_link"


def subject(ctx: MailContext) -> str:
    # The document's own emailSubject, when the sender wrote one.
    return ctx.emailSubject or f"{who_sent(ctx)} sent you {quoted(ctx.documentName)} to {verb(ctx.recipient.role)}"
