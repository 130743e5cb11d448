"""document.expired: to the sender, with who had not finished."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return None


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    return _("%(document)s expired before everyone signed") % {"document": quoted(document_name(ctx), _)}
