"""`make run`'s SMTP sink in a process of its own (services/devstack/mail_sink_process.py): a real
process, a real SMTP session, the .eml file it writes."""

from __future__ import annotations

import os
import socket
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from services.devstack.mail_sink import ACCEPTED_HEADER
from services.devstack.mail_sink_process import start_mail_sink_process
from tests.peers import free_port


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "In its own process"
    message.set_content("hello")
    return message


async def test_the_sink_runs_in_another_process_writes_what_it_accepts_and_stops(tmp_path: Path) -> None:
    port = free_port()
    sink = start_mail_sink_process("127.0.0.1", port, tmp_path)
    try:
        assert sink.pid is not None and sink.pid != os.getpid()
        await aiosmtplib.send(_message(), hostname="127.0.0.1", port=port)
        # Written before its 250, so it is there once send() returns.
        [eml] = tmp_path.glob("*.eml")
        text = eml.read_text()
        assert text.startswith(f"{ACCEPTED_HEADER}: ") and "Subject: In its own process" in text
    finally:
        sink.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_a_port_already_taken_is_said_at_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RuntimeError):
            start_mail_sink_process("127.0.0.1", taken.getsockname()[1], tmp_path)
