"""signer.otp_requested: the one-time code (never in the subject, which previews show)."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "otp_code"


def subject(ctx: MailContext) -> str:
    _ = translator(ctx)
    return _("Your one-time code for %(document)s") % {"document": quoted(document_name(ctx), _)}
