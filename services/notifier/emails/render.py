"""Rendering an email's subject, plain-text part and HTML part from its kind's templates.

The HTML templates are rendered with autoescaping, so every value from an event (names, the
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

from services.notifier.emails.kinds import KIND_MODULES
from services.notifier.emails.kinds._words import verb, who_sent
from services.notifier.emails.model import MailContext

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


def when(value: datetime | None) -> str:
    """`28 May 2026, 12:00 UTC`: unambiguous in every locale."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%-d %B %Y, %H:%M UTC")


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = when
    return env


def variables(ctx: MailContext, fetched: Fetched, subject: str, *, brand: str, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    about = ctx.about
    return {
        "subject": subject,
        "brand": brand,
        "who": who_sent(ctx),
        "audience": ctx.audience,
        "document_name": ctx.documentName,
        "document_id": ctx.documentId or "",
        "org_name": ctx.org_name,
        "logo_url": f"{base}/brand/logos/{ctx.logo}.png" if ctx.logo else None,
        "sender_name": ctx.sender_name,
        "sender_email": ctx.sender_email,
        "recipient_name": ctx.recipient.name or ctx.recipient.email,
        "role": ctx.recipient.role,
        "verb": verb(ctx.recipient.role),
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
    text = _environment(False).get_template(f"{ctx.kind}.txt").render(values)
    # Optional paragraphs leave blank runs behind; one blank line between paragraphs reads best.
    text = _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
    html = _environment(True).get_template(f"{ctx.kind}.html").render(values)
    return Rendered(subject=subject, text=text, html=html)
