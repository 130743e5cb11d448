"""signer.delivery_failed: to the sender, who must fix the signer's address (the document is
on hold until they do)."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    to = ctx.bouncedEmail or (ctx.about.email if ctx.about else None) or _("a signer")
    return _("Action required: %(document)s could not be delivered to %(to)s") % {
        "document": quoted(document_name(ctx), _),
        "to": to,
    }
