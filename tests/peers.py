"""Real peers the services talk to in tests: an S3-compatible server (moto in server mode, over
HTTP), an SMTP server (aiosmtpd) that writes each message to a folder, and an RFC 3161 timestamp
authority with a seal CA (services/devstack), as `make run` has."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from moto.server import ThreadedMotoServer

from services.devstack.dev_pki import DevPki, ensure_dev_pki
from services.devstack.mail_sink import start_mail_sink
from services.devstack.s3_server import start_s3_server
from services.devstack.tsa_server import RunningTsa, start_tsa


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The SMTP sink's folder, read as parsed messages (oldest first)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # Parsed once per file: a session's sink holds hundreds of messages (bulk sends), and
        # re-parsing them all on every poll made waits slow under load.
        self._parsed: dict[Path, EmailMessage] = {}

    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        paths = sorted(self.directory.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in paths:
            if path not in self._parsed:
                self._parsed[path] = parser.parsebytes(path.read_bytes())  # type: ignore[assignment]
        return [self._parsed[path] for path in paths]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if address.lower() in str(m.get("To", "")).lower()]

    async def wait_for(self, predicate: Callable[[EmailMessage], bool], timeout: float = 45.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages():
                if predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching email arrived; have {[m['Subject'] for m in self.messages()]}")
            await asyncio.sleep(0.1)


@dataclass
class Peers:
    s3_endpoint_url: str
    smtp_port: int
    mail_dir: Path
    pki: DevPki
    tsa_url: str
    crl_url: str  # the development CA's CRL, served beside the TSA (SEAL_CRL_URL: PAdES B-LT)
    # The running servers behind those addresses, for stop().
    _s3: ThreadedMotoServer = field(repr=False)
    _mail: Controller = field(repr=False)
    _tsa: RunningTsa = field(repr=False)

    def stop(self) -> None:
        self._tsa.stop()
        self._mail.stop()
        self._s3.stop()

    @classmethod
    def start(cls, mail_dir: Path) -> Peers:
        s3_port, smtp_port = free_port(), free_port()
        s3 = start_s3_server("127.0.0.1", s3_port)
        mail = start_mail_sink("127.0.0.1", smtp_port, mail_dir)
        pki = ensure_dev_pki(mail_dir.parent / f"{mail_dir.name}-pki")
        tsa = start_tsa("127.0.0.1", 0, pki.tsa_cert, pki.tsa_key, (pki.ca_cert, pki.ca_key))
        assert tsa.crl_url is not None
        return cls(f"http://127.0.0.1:{s3_port}", smtp_port, mail_dir, pki, tsa.url, tsa.crl_url, s3, mail, tsa)

    def seal_settings(self) -> dict[str, object]:
        """The settings that point the services at this seal CA and TSA."""
        return {"seal_ca_cert_file": self.pki.ca_cert, "seal_ca_key_file": self.pki.ca_key, "tsa_url": self.tsa_url}
