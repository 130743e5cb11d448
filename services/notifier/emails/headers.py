"""Header values of an email (pure: no I/O).

Every header that carries user-supplied text (a document name in the Subject, a sender's or
signer's name in From / To / Reply-To) goes through `one_line`: line breaks and other control
characters become spaces, so "Invoice\r\nBcc: x@evil" can never start a header of its own.
Names are then written with `email.headerregistry.Address`, which quotes and RFC 2047-encodes
them; an address that cannot be written is refused here (a permanent failure) rather than sent.

- From: the address of MAIL_FROM; its display name becomes "<sender> via <MAIL_FROM's name>",
  as e-signature services do, so people see who is asking.
- Reply-To: the sender, when known: a reply reaches a person, not the no-reply address.
- Message-ID: `<email id@MAIL_FROM's domain>`: stable across retries of the same email.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr

MAX_SUBJECT = 200
MAX_NAME = 120
DEFAULT_BRAND = "Countersign"


class AddressError(ValueError):
    """An address that cannot be written into a header or an SMTP envelope."""


def encoded_subject(subject: str) -> str:
    """A non-ASCII subject as folded RFC 2047 encoded words whose spaces are inside them.

    Python's own folding (3.11) drops the space between two encoded words when it breaks the line
    there: "„Mietvertrag Lindenstraße“" arrived as "„MietvertragLindenstraße“". Translated subjects
    hit this often (umlauts, „“ « » quotes), so such a subject is encoded here and set raw
    (message.build_message); ASCII subjects need no encoding and take the usual path."""
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\n")


def one_line(text: str | None, limit: int = MAX_NAME) -> str:
    """`text` on one line: control and separator characters to spaces, whitespace collapsed."""
    if not text:
        return ""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def address(name: str | None, email: str) -> str:
    """`"Display Name" <user@example.com>`; AddressError when the address cannot be written."""
    email = email.strip()
    if not email or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in email) or email.count("@") != 1:
        raise AddressError(f"not a deliverable address: {email!r}")
    username, domain = email.split("@")
    if not username or not domain:
        raise AddressError(f"not a deliverable address: {email!r}")
    try:
        return str(Address(display_name=one_line(name), username=username, domain=domain))
    except ValueError as exc:  # the email package refuses it (a non-ASCII local part, say)
        raise AddressError(f"not a deliverable address: {email!r}") from exc


@dataclass(frozen=True)
class MailFrom:
    """MAIL_FROM, split into its display name and address."""

    name: str
    email: str

    @classmethod
    def parse(cls, value: str) -> MailFrom:
        name, email = parseaddr(value)
        if "@" not in email:
            raise ValueError(f"MAIL_FROM has no address: {value!r}")
        return cls(one_line(name) or DEFAULT_BRAND, email)

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


def from_header(mail_from: MailFrom, sender_name: str | None) -> str:
    sender = one_line(sender_name, 80)
    display = f"{sender} via {mail_from.name}" if sender else mail_from.name
    return address(display, mail_from.email)


def message_id(email_id: str, mail_from: MailFrom) -> str:
    return f"<{email_id}@{mail_from.domain}>"


def build_headers(
    *,
    email_id: str,
    mail_from: MailFrom,
    to_name: str | None,
    to_email: str,
    subject: str,
    sender_name: str | None,
    sender_email: str | None,
    date: datetime,
) -> dict[str, str]:
    headers = {
        "From": from_header(mail_from, sender_name),
        "To": address(to_name, to_email),
        "Subject": one_line(subject, MAX_SUBJECT),
        "Date": format_datetime(date),
        "Message-ID": message_id(email_id, mail_from),
        # RFC 3834: out-of-office replies and the like should not answer a notification.
        "Auto-Submitted": "auto-generated",
    }
    if sender_email:
        try:
            headers["Reply-To"] = address(sender_name, sender_email)
        except AddressError:
            pass  # a sender address we cannot write: replies go nowhere rather than the email failing
    return headers
