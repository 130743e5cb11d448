"""signer.delivery_failed: to the sender, who must fix the signer's address (the document is
on hold until they do)."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    to = ctx.bouncedEmail or (ctx.about.email if ctx.about else None) or "a signer"
    return f"Action required: {quoted(ctx.documentName)} could not be delivered to {to}"
