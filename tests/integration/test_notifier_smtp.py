"""The notifier's SMTP client against a real SMTP server (the dev sink, on an ephemeral port)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import aiosmtplib
import pytest

from services.devstack.mail_sink import ACCEPTED_HEADER, start_mail_sink
from services.notifier import mailer as mailer_module
from services.notifier.mailer import Mailer, compose
from shared.settings import Settings
from tests.email_peers import ScriptedSmtp


def _free_port() -> int:
    # aiosmtpd's Controller probes the port it was given, so it cannot be handed port 0.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    controller = start_mail_sink("127.0.0.1", port, tmp_path)
    yield port, tmp_path
    controller.stop()


def _read_eml(directory: Path) -> list[EmailMessage]:
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(directory.glob("*.eml"))]  # type: ignore[misc]


async def test_delivers_text_and_html_message(sink: tuple[int, Path]) -> None:
    port, directory = sink
    mailer = Mailer(Settings(smtp_host="127.0.0.1", smtp_port=port))
    message = compose(
        mailer.sender,
        "Ada Signer <ada@example.com>",
        "Please sign: NDA - Acme Corp",
        "Open the link to sign.",
        "<p>Open the <a href='https://example.com'>link</a> to sign.</p>",
    )

    await mailer.send(message)

    # The sink writes the file before it answers 250, so it is there once send() returns.
    [received] = _read_eml(directory)
    # The sink's trace field: when it accepted the message (what make bench measures up to).
    accepted = datetime.fromisoformat(received[ACCEPTED_HEADER])
    assert accepted.tzinfo is not None and abs(datetime.now(UTC) - accepted) < timedelta(minutes=5)
    assert received["Subject"] == "Please sign: NDA - Acme Corp"
    assert received["To"] == "Ada Signer <ada@example.com>"
    assert received["From"] == "Countersign <no-reply@countersign.local>"
    assert received.get_content_type() == "multipart/alternative"
    assert received.get_body(("plain",)).get_content().strip() == "Open the link to sign."  # type: ignore[union-attr]
    assert "<a href='https://example.com'>link</a>" in received.get_body(("html",)).get_content()  # type: ignore[union-attr]


async def test_batch_sends_several_messages_over_one_connection(sink: tuple[int, Path]) -> None:
    port, directory = sink
    mailer = Mailer(Settings(smtp_host="127.0.0.1", smtp_port=port))
    messages = [compose(mailer.sender, f"signer{i}@example.com", f"Reminder {i}", "Still waiting.") for i in range(3)]

    await mailer.send_many(messages)

    received = _read_eml(directory)
    assert sorted(m["To"] for m in received) == ["signer0@example.com", "signer1@example.com", "signer2@example.com"]


async def test_unreachable_server_raises_instead_of_hanging(tmp_path: Path) -> None:
    mailer = Mailer(Settings(smtp_host="127.0.0.1", smtp_port=_free_port()), timeout=5)
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await mailer.send(compose(mailer.sender, "ada@example.com", "Hello", "Hi"))


async def test_required_tls_is_never_downgraded_to_plain_text(sink: tuple[int, Path]) -> None:
    port, directory = sink  # the sink offers no STARTTLS
    mailer = Mailer(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_use_tls=True))
    with pytest.raises(aiosmtplib.SMTPException):
        await mailer.send(compose(mailer.sender, "ada@example.com", "Secret", "Must not travel in clear"))
    assert _read_eml(directory) == []


@pytest.fixture
def scripted() -> Iterator[ScriptedSmtp]:
    server = ScriptedSmtp().start()
    yield server
    server.stop()


def _mailer(port: int) -> Mailer:
    return Mailer(Settings(smtp_host="127.0.0.1", smtp_port=port), timeout=5)


async def test_batches_one_after_another_share_one_session(scripted: ScriptedSmtp) -> None:
    mailer = _mailer(scripted.port)
    for i in range(3):
        await mailer.send(compose(mailer.sender, f"signer{i}@example.com", f"Invitation {i}", "Please sign."))
    await mailer.drain()

    assert [len(scripted.to(f"signer{i}@example.com")) for i in range(3)] == [1, 1, 1]
    assert len(set(scripted.handler.peers)) == 1  # one connection carried all three


async def test_a_session_the_server_dropped_is_replaced_before_a_message_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = ScriptedSmtp().start()
    mailer = _mailer(first.port)
    await mailer.send(compose(mailer.sender, "first@example.com", "First", "Please sign."))
    # The server goes away while the session is idle, and another answers on the port.
    first.stop()
    second = ScriptedSmtp(first.port).start()
    try:
        monkeypatch.setattr(mailer_module, "PROBE_AFTER_SECONDS", 0.0)  # every idle session is probed
        await mailer.send(compose(mailer.sender, "second@example.com", "Second", "Please sign."))
        await mailer.drain()
        assert [len(second.to("second@example.com")), len(second.to("first@example.com"))] == [1, 0]
    finally:
        second.stop()
    assert len(first.to("first@example.com")) == 1


async def test_a_session_a_send_failed_on_is_not_reused(scripted: ScriptedSmtp) -> None:
    scripted.refuse("gone@example.com")
    mailer = _mailer(scripted.port)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await mailer.send(compose(mailer.sender, "gone@example.com", "Refused", "Please sign."))
    await mailer.send(compose(mailer.sender, "here@example.com", "Accepted", "Please sign."))
    await mailer.send(compose(mailer.sender, "also@example.com", "Accepted", "Please sign."))
    await mailer.drain()

    assert scripted.to("gone@example.com") == []
    assert [len(scripted.to("here@example.com")), len(scripted.to("also@example.com"))] == [1, 1]
    # The refused one's session was closed; the next two shared a new one.
    assert len(set(scripted.handler.peers)) == 1
