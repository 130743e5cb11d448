"""signer.reminded: still waiting for you, with the signing link."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "signing_link"


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    if ctx.emailSubject:
        topic = ctx.emailSubject
    elif ctx.recipient.role == "approver":
        topic = _("%(document)s is waiting for you to approve") % {"document": quoted(document_name(ctx), _)}
    else:
        topic = _("%(document)s is waiting for you to sign") % {"document": quoted(document_name(ctx), _)}
    return _("Reminder: %(subject)s") % {"subject": topic}
