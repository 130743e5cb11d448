"""signer.invited: your turn to sign (or approve), with the signing link."""

from __future__ import annotations

from services.notifier.emails.kinds._words import document_name, quoted, translator, who_sent
from services.notifier.emails.model import MailContext


def needs(ctx: MailContext) -> str | None:
    return "signing_link"


def subject(ctx: MailContext) -> str:
    # The document's own emailSubject, when the sender wrote one.
    if ctx.emailSubject:
        return ctx.emailSubject
    _ = translator(ctx)
    values = {"who": who_sent(ctx), "document": quoted(document_name(ctx), _)}
    if ctx.recipient.role == "approver":
        return _("%(who)s sent you %(document)s to approve") % values
    return _("%(who)s sent you %(document)s to sign") % values
