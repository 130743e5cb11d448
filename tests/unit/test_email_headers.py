"""Header building and escaping (services/notifier/emails/headers.py, message.py, render.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from services.notifier.emails.headers import MailFrom, address, build_headers, one_line
from services.notifier.emails.message import compose
from services.notifier.emails.model import MailContext, Party, Sender
from services.notifier.emails.render import Fetched

MAIL_FROM = MailFrom.parse("Countersign <no-reply@countersign.test>")
NOW = datetime(2026, 5, 28, 12, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


def test_one_line_turns_line_breaks_and_controls_into_spaces() -> None:
    assert one_line("Invoice\r\nBcc: evil@x.test") == "Invoice Bcc: evil@x.test"
    assert one_line("a\u2028b\x00c\td") == "a b c d"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"


def test_addresses_quote_display_names_and_refuse_what_cannot_be_written() -> None:
    assert address('Jane "JJ" Doe, Esq.', "jane@x.test") == '"Jane \\"JJ\\" Doe, Esq." <jane@x.test>'
    for bad in ("no-at-sign", "two@@x.test", "sp ace@x.test", "a@b@c", "line\r\nbreak@x.test"):
        with pytest.raises(ValueError):
            address("X", bad)


def test_headers_name_the_sender_reply_to_and_a_stable_message_id() -> None:
    headers = build_headers(
        email_id="em_abc",
        mail_from=MAIL_FROM,
        to_name="Ann",
        to_email="ann@x.test",
        subject="Please sign",
        sender_name="Sam Sender",
        sender_email="sam@acme.test",
        date=NOW,
    )
    assert headers["From"] == "Sam Sender via Countersign <no-reply@countersign.test>"
    assert headers["Reply-To"] == "Sam Sender <sam@acme.test>"
    assert headers["To"] == "Ann <ann@x.test>"
    assert headers["Message-ID"] == "<em_abc@countersign.test>"
    assert headers["Date"] == "Thu, 28 May 2026 12:00:00 +0000"
    assert headers["Auto-Submitted"] == "auto-generated"


def test_without_a_sender_there_is_no_reply_to() -> None:
    headers = build_headers(
        email_id="em_1",
        mail_from=MAIL_FROM,
        to_name=None,
        to_email="ann@x.test",
        subject="S",
        sender_name=None,
        sender_email=None,
        date=NOW,
    )
    assert headers["From"] == "Countersign <no-reply@countersign.test>" and "Reply-To" not in headers


def _context(**overrides: object) -> MailContext:
    values: dict[str, object] = dict(
        kind="invitation",
        recipient=Party(id="sr_1", name=SCRIPT, email="ann@x.test", role="signer"),
        documentId="cdoc",
        documentName=SCRIPT,
        occurredAt=NOW,
        sender=Sender(name="Sam\r\nBcc: evil@x.test", email="sam@acme.test", orgName=f"Acme {SCRIPT}"),
        message=f"Read {SCRIPT}",
        emailSubject="Sign this\r\nBcc: evil@x.test",
        emailMessage=f"<b>{SCRIPT}</b>",
    )
    values.update(overrides)
    return MailContext.model_validate(values)


def test_a_composed_message_escapes_html_and_cannot_be_split_by_line_breaks() -> None:
    message = compose(
        "em_1", _context(), Fetched(link="http://gw/sign/t0k3n"), mail_from=MAIL_FROM, public_url="http://gw", now=NOW
    )
    parsed = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert parsed["Bcc"] is None and "evil" not in (parsed["To"] or "")
    assert parsed["Subject"] == "Sign this Bcc: evil@x.test"
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Sam Bcc: evil@x.test via Countersign",
        "no-reply@countersign.test",
    )
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;" in html  # the sender's markup is shown, not interpreted
    assert SCRIPT in text  # plain text needs no escaping
    assert 'href="http://gw/sign/t0k3n"' in html and "http://gw/sign/t0k3n" in text


@pytest.mark.parametrize(
    "kind", ["invitation", "reminder", "otp", "completed", "declined", "cancelled", "expired", "delivery_failed"]
)
@pytest.mark.parametrize("audience", ["participant", "sender"])
def test_every_kind_renders_both_parts_with_user_text_escaped(kind: str, audience: str) -> None:
    ctx = _context(
        kind=kind,
        audience=audience,
        about=Party(id="sr_2", name=SCRIPT, email="dan@x.test"),
        reason=SCRIPT,
        bouncedEmail="dan@x.test",
        people=[Party(name=SCRIPT, email="q@x.test")],
        expiresAt=NOW,
    )
    message = compose(
        "em_1",
        ctx,
        Fetched(link="http://gw/l", code="123456", valid_until=NOW),
        mail_from=MAIL_FROM,
        public_url="http://gw",
        now=NOW,
    )
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert text.strip() and "\n\n\n" not in text
