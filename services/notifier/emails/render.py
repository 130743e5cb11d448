"""Rendering an email's subject, plain-text part and HTML part from its kind's templates.

Every sentence is a gettext message (`{% trans %}` / `_()`), translated from the `emails`
catalogue into the email's language (MailContext.language: the recipient's, else the document's,
else English; docs/languages.md). The HTML templates are rendered with autoescaping, so every value from an event (names, the
document's message, a decline reason) is escaped; the text templates are not (plain text has
nothing to escape, and `&amp;` would be wrong there). StrictUndefined turns a misspelt variable
into an error in tests instead of an empty string in someone's inbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from services.notifier.emails.kinds import KIND_MODULES
from services.notifier.emails.kinds._words import DOMAIN, document_name, quoted, translator, who_sent
from services.notifier.emails.model import MailContext
from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, long_date, translations

TEMPLATES = Path(__file__).parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Fetched:
    """What was fetched from the documents service right before sending; held in memory only."""

    link: str | None = None  # a signing link, or a signed-copy download link
    code: str | None = None  # a one-time code
    valid_until: datetime | None = None  # of the link or code


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def when(value: datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """`28 May 2026, 12:00 UTC`, `28. Mai 2026, 12:00 UTC`: a 24-hour UTC time reads the same in
    every language; the date is written as the reader's language writes it."""
    if value is None:
        return ""
    value = value.astimezone(UTC)
    day = value.strftime("%-d %B %Y") if language == DEFAULT_LANGUAGE else long_date(value, language)
    return f"{day}, {value:%H:%M} UTC"


def _bold(value: str) -> Markup:
    return Markup("<strong>{}</strong>").format(value)


@lru_cache(maxsize=2 * len(LANGUAGES))
def _environment(autoescape: bool, language: str = DEFAULT_LANGUAGE) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Whitespace inside {% trans %} collapses, so the msgids do not depend on line breaks.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(DOMAIN, language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = lambda value: when(value, language)
    env.filters["bold"] = _bold
    return env


def variables(ctx: MailContext, fetched: Fetched, subject: str, *, brand: str, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    about = ctx.about
    name = document_name(ctx)
    return {
        "lang": ctx.language,
        "subject": subject,
        "brand": brand,
        "who": who_sent(ctx),
        "audience": ctx.audience,
        "document_name": name,
        # The name inside a sentence: quoted in the text part, in bold in the HTML part.
        "document_quoted": quoted(name, translator(ctx)),
        "document_strong": _bold(name),
        "document_id": ctx.documentId or "",
        "org_name": ctx.org_name,
        "logo_url": f"{base}/brand/logos/{ctx.logo}.png" if ctx.logo else None,
        "sender_name": ctx.sender_name,
        "sender_email": ctx.sender_email,
        "recipient_name": ctx.recipient.name or ctx.recipient.email,
        "role": ctx.recipient.role,
        "message": ctx.message,
        "email_message": ctx.emailMessage,
        "expires_at": ctx.expiresAt,
        "link": fetched.link,
        "code": fetched.code,
        "code_expires_at": fetched.valid_until,
        "available_until": fetched.valid_until,
        "about_name": about.name if about else None,
        "about_email": about.email if about else None,
        "bounced_email": ctx.bouncedEmail,
        "reason": ctx.reason,
        "people": ctx.people,
        "api_download_url": f"{base}/api/v1/documents/{ctx.documentId}/download",
        "api_signer_url": f"{base}/api/v1/documents/{ctx.documentId}/signers/{about.id if about else '{signerId}'}",
    }


def render(ctx: MailContext, fetched: Fetched, *, brand: str, public_url: str) -> Rendered:
    subject = KIND_MODULES[ctx.kind].subject(ctx)
    values = variables(ctx, fetched, subject, brand=brand, public_url=public_url)
    text = _environment(False, ctx.language).get_template(f"{ctx.kind}.txt").render(values)
    # Optional paragraphs leave blank runs behind; one blank line between paragraphs reads best.
    text = _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
    html = _environment(True, ctx.language).get_template(f"{ctx.kind}.html").render(values)
    return Rendered(subject=subject, text=text, html=html)
