"""document.declined: who declined and why, to the sender and the other invited participants."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    who = (ctx.about.name or ctx.about.email) if ctx.about else None
    document = quoted(document_name(ctx), _)
    if who:
        return _("%(document)s was declined by %(who)s") % {"document": document, "who": who}
    return _("%(document)s was declined") % {"document": document}
