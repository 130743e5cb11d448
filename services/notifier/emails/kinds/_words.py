"""Small phrases the subject lines share (pure)."""

from __future__ import annotations

from services.notifier.emails.model import MailContext


def quoted(name: str) -> str:
    return f"\u201c{name}\u201d"


def verb(role: str | None) -> str:
    return "approve" if role == "approver" else "sign"


def who_sent(ctx: MailContext) -> str:
    """The organisation, else the sender's name: who is asking."""
    return ctx.org_name or ctx.sender_name or "Someone"
