"""The notifier's SMTP client: one connection per batch of messages, with a timeout.

A connection per batch (rather than one held open for the process) survives SMTP servers that
drop idle clients and needs no reconnect logic; a batch still pays the handshake only once.
A semaphore caps simultaneous connections, so a burst of events cannot open hundreds of them.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from email.message import EmailMessage

import aiosmtplib

from shared.settings import Settings

# Connect, each command and the DATA transfer each get this long; a stuck relay fails the
# delivery (the event is retried) instead of holding a consumer slot for ever.
SMTP_TIMEOUT_SECONDS = 30.0
MAX_CONNECTIONS = 4
IMPLICIT_TLS_PORT = 465


class MailBatch:
    """An open SMTP session; `send` may be called any number of times while it is open."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client

    async def send(self, message: EmailMessage) -> None:
        # Refused recipients raise (SMTPRecipientsRefused): the caller decides what a bounce means.
        await self._client.send_message(message)


class Mailer:
    def __init__(self, settings: Settings, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.sender = settings.mail_from
        self._timeout = timeout
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        # The name we say in EHLO. Left unset, aiosmtplib looks it up (socket.getfqdn, a DNS
        # query, in a thread) on every connection: in a py-spy profile of the notifier sending
        # invitations that lookup was on the path of every message. Once per process is enough.
        self._local_hostname: str | None = None

    async def _ehlo_name(self) -> str:
        if self._local_hostname is None:
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        return self._local_hostname

    def _client(self, local_hostname: str) -> aiosmtplib.SMTP:
        s = self.settings
        implicit_tls = s.smtp_use_tls and s.smtp_port == IMPLICIT_TLS_PORT
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=implicit_tls,
            # SMTP_USE_TLS requires STARTTLS on a submission port; without it we never upgrade,
            # so a plain development sink works and a TLS failure is never silently downgraded.
            start_tls=True if (s.smtp_use_tls and not implicit_tls) else False,
            timeout=self._timeout,
            local_hostname=local_hostname,
        )

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[MailBatch]:
        """`async with mailer.batch() as b: await b.send(m1); await b.send(m2)`"""
        async with self._slots:
            client = self._client(await self._ehlo_name())
            await client.connect()
            try:
                yield MailBatch(client)
            finally:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()  # the server went away; nothing left to say to it

    async def send(self, message: EmailMessage) -> None:
        async with self.batch() as batch:
            await batch.send(message)

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        async with self.batch() as batch:
            for message in messages:
                await batch.send(message)

    async def drain(self) -> None:
        """Wait for sends in progress (at shutdown), so no message is cut off mid-DATA."""
        for _ in range(MAX_CONNECTIONS):
            await self._slots.acquire()
        for _ in range(MAX_CONNECTIONS):
            self._slots.release()


def compose(sender: str, to: str | Sequence[str], subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A plain-text message, with an HTML alternative when given (clients pick the best part)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message
