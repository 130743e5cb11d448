"""document.completed: everyone has signed. Participants get a link to their signed copy; the
sender gets the document id and the API download (a signer-facing link would act as a signer)."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "download_link" if ctx.audience == "participant" else None


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    return _("%(document)s is complete") % {"document": quoted(document_name(ctx), _)}
