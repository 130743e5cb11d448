"""An email's whole message: rendered parts under built headers (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage

from services.notifier.emails.headers import MailFrom, build_headers, encoded_subject
from services.notifier.emails.model import MailContext
from services.notifier.emails.render import Fetched, render


def build_message(headers: Mapping[str, str], text: str, html: str) -> EmailMessage:
    """multipart/alternative: the plain-text part first, HTML last (clients show the last part
    they can render)."""
    message = EmailMessage()
    for name, value in headers.items():
        if name == "Subject" and not value.isascii():
            message.set_raw(name, encoded_subject(value))
        else:
            message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def compose(
    email_id: str, ctx: MailContext, fetched: Fetched, *, mail_from: MailFrom, public_url: str, now: datetime
) -> EmailMessage:
    """The whole message of one email; AddressError when its recipient cannot be addressed."""
    rendered = render(ctx, fetched, brand=mail_from.name, public_url=public_url)
    headers = build_headers(
        email_id=email_id,
        mail_from=mail_from,
        to_name=ctx.recipient.name,
        to_email=ctx.recipient.email or "",
        subject=rendered.subject,
        sender_name=ctx.sender_name,
        sender_email=ctx.sender_email,
        date=now,
    )
    return build_message(headers, rendered.text, rendered.html)
