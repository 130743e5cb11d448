"""Small phrases the subject lines share, in the email's language (pure)."""

from __future__ import annotations

from collections.abc import Callable

from services.notifier.emails.model import MailContext
from shared.i18n import translations

DOMAIN = "emails"  # shared/locale/<language>/LC_MESSAGES/emails.po
UNNAMED = "a document"  # recipients.py's stand-in when an event carries no name


def translator(ctx: MailContext) -> Callable[[str], str]:
    return translations(DOMAIN, ctx.language).gettext


def quoted(name: str, _: Callable[[str], str]) -> str:
    # Translators: a document's name quoted in a sentence, with the language's quotation marks.
    return _("\u201c%(name)s\u201d") % {"name": name}


def document_name(ctx: MailContext) -> str:
    _ = translator(ctx)
    return _("a document") if ctx.documentName == UNNAMED else ctx.documentName


def who_sent(ctx: MailContext) -> str:
    """The organisation, else the sender's name: who is asking."""
    _ = translator(ctx)
    return ctx.org_name or ctx.sender_name or _("Someone")
