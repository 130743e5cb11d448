"""The notifier's SMTP client: a few sessions kept open across batches, with a timeout.

A batch takes an open session if one is idle and opens one otherwise; a batch that went well
gives its session back for the next, so an invitation does not pay connect, banner, EHLO and QUIT
(five round trips to the server) on top of its own MAIL, RCPT and DATA. In a profile of the
lifecycle bench that handshake was most of the send worker's share of send → SMTP accepted.

Servers drop idle clients (RFC 5321 asks them to wait at least 5 minutes; some wait less), so a
session idle for more than PROBE_AFTER_SECONDS is asked NOOP before it carries a message, and one
that does not answer is closed and replaced: no email is ever handed to a session that may be
dead. A session idle for MAX_IDLE_SECONDS is closed (QUIT). A session a send failed on is not kept
(its state after the failure is the server's to decide). A semaphore caps simultaneous sessions,
so a burst of events cannot open hundreds of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
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
# Idle longer than this, a session is asked NOOP before it is trusted with a message.
PROBE_AFTER_SECONDS = 2.0
PROBE_TIMEOUT_SECONDS = 5.0
# Idle this long, a session is closed: well inside the 5 minutes servers are asked to allow.
MAX_IDLE_SECONDS = 30.0


class MailBatch:
    """An open SMTP session; `send` may be called any number of times while it is open."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client
        self.failed = False  # a send raised: the session is not given back for reuse

    async def send(self, message: EmailMessage) -> None:
        # Refused recipients raise (SMTPRecipientsRefused): the caller decides what a bounce means.
        try:
            await self._client.send_message(message)
        except BaseException:
            self.failed = True
            raise


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
        # Open sessions no batch is using, each with when it was last given back (monotonic).
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._closing: set[asyncio.Task[None]] = set()
        self._expiry: asyncio.TimerHandle | None = None

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

    async def _session(self) -> aiosmtplib.SMTP:
        """An idle session that still answers, else a new one."""
        while self._idle:
            client, since = self._idle.pop()  # the most recently used: the likeliest to be alive
            if not client.is_connected:  # the server closed it while it was idle
                client.close()
                continue
            if time.monotonic() - since > PROBE_AFTER_SECONDS:
                try:
                    await client.noop(timeout=PROBE_TIMEOUT_SECONDS)
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()
                    continue
            return client
        client = self._client(await self._ehlo_name())
        await client.connect()
        return client

    def _give_back(self, client: aiosmtplib.SMTP) -> None:
        self._idle.append((client, time.monotonic()))
        if self._expiry is None:
            self._expiry = asyncio.get_running_loop().call_later(MAX_IDLE_SECONDS, self._expire)

    def _expire(self) -> None:
        """Close the sessions idle for MAX_IDLE_SECONDS; come back for the next one due."""
        self._expiry = None
        now = time.monotonic()
        for client, since in self._idle:
            if now - since >= MAX_IDLE_SECONDS:
                task = asyncio.create_task(_quit(client))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        self._idle = [(client, since) for client, since in self._idle if now - since < MAX_IDLE_SECONDS]
        if self._idle:
            due = min(since for _, since in self._idle) + MAX_IDLE_SECONDS - now
            self._expiry = asyncio.get_running_loop().call_later(max(0.0, due), self._expire)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[MailBatch]:
        """`async with mailer.batch() as b: await b.send(m1); await b.send(m2)`"""
        async with self._slots:
            client = await self._session()
            batch = MailBatch(client)
            try:
                yield batch
            except BaseException:
                await _quit(client)
                raise
            if batch.failed or not client.is_connected:
                await _quit(client)
            else:
                self._give_back(client)

    async def send(self, message: EmailMessage) -> None:
        async with self.batch() as batch:
            await batch.send(message)

    async def send_many(self, messages: Sequence[EmailMessage]) -> None:
        async with self.batch() as batch:
            for message in messages:
                await batch.send(message)

    async def drain(self) -> None:
        """Wait for sends in progress (at shutdown), so no message is cut off mid-DATA; then
        close the idle sessions."""
        for _ in range(MAX_CONNECTIONS):
            await self._slots.acquire()
        try:
            if self._expiry is not None:
                self._expiry.cancel()
                self._expiry = None
            idle, self._idle = self._idle, []
            await asyncio.gather(*(_quit(client) for client, _ in idle), *self._closing, return_exceptions=True)
        finally:
            for _ in range(MAX_CONNECTIONS):
                self._slots.release()


async def _quit(client: aiosmtplib.SMTP) -> None:
    """Say QUIT; a server that went away (or never answers) is simply disconnected from."""
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        await client.quit()
    client.close()


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
