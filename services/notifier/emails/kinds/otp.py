"""signer.otp_requested: the one-time code (never in the subject, which previews show)."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "otp_code"


def subject(ctx: MailContext) -> str:
    return f"Your one-time code for {quoted(ctx.documentName)}"
