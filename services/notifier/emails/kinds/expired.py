"""document.expired: to the sender, with who had not finished."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    return f"{quoted(ctx.documentName)} expired before everyone signed"
