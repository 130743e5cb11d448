"""document.declined: who declined and why, to the sender and the other invited participants."""

from __future__ import annotations

from services.notifier.emails.kinds._words import quoted
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    who = (ctx.about.name or ctx.about.email) if ctx.about else None
    return f"{quoted(ctx.documentName)} was declined" + (f" by {who}" if who else "")
