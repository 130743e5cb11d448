"""Test peers for the email tests: an SMTP server with scripted refusals, and settings for a
system of its own (a separate database and queues), so a test can send everything through that
server while the session's system keeps using the mail sink.

`ScriptedSmtp` is aiosmtpd with a handler that answers RCPT per address: `defer(addr, n)` answers
451 to the first n attempts, then 250; `refuse(addr)` always 550. Accepted messages are kept
(parsed) in `accepted`, with the connection each came over in `peers`; every RCPT reply in
`replies`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from shared.migrate import _with_database
from shared.settings import Settings
from tests.harness import NAMESPACE
from tests.peers import free_port

DEFERRED = "451 4.3.0 Mailbox temporarily unavailable, try again later"
REFUSED = "550 5.1.1 Recipient address rejected: User unknown"


@dataclass
class ScriptedHandler:
    deferrals: dict[str, int] = field(default_factory=dict)
    refusals: set[str] = field(default_factory=set)
    accepted: list[EmailMessage] = field(default_factory=list)
    replies: list[tuple[str, str]] = field(default_factory=list)
    # The client address and port of each accepted message: one TCP connection per distinct peer.
    peers: list[tuple[str, int]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        key = address.lower()
        if key in self.refusals:
            reply = REFUSED
        elif self.deferrals.get(key, 0) > 0:
            self.deferrals[key] -= 1
            reply = DEFERRED
        else:
            envelope.rcpt_tos.append(address)
            reply = "250 OK"
        self.replies.append((key, reply))
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.accepted.append(parsed)  # type: ignore[arg-type]
        self.peers.append(tuple(session.peer))
        return "250 Message accepted for delivery"


class ScriptedSmtp:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()  # a port of its own, or one a stopped server left
        self.handler = ScriptedHandler()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> ScriptedSmtp:
        logging.getLogger("mail.log").setLevel(logging.INFO)  # aiosmtpd would log message bodies (links)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def defer(self, address: str, times: int) -> None:
        self.handler.deferrals[address.lower()] = times

    def refuse(self, address: str) -> None:
        self.handler.refusals.add(address.lower())

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.handler.accepted if address.lower() in str(m.get("To", "")).lower()]

    def attempts(self, address: str) -> list[str]:
        return [reply for who, reply in self.handler.replies if who == address.lower()]

    async def wait_for(self, predicate: Callable[[EmailMessage], bool], timeout: float = 20.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while True:
            for message in list(self.handler.accepted):
                if predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching email arrived; have {[m['Subject'] for m in self.handler.accepted]}")
            await asyncio.sleep(0.05)


def own_settings(base: Settings, suffix: str, **overrides: object) -> Settings:
    """`base` pointed at a database and queues of its own (`<namespace>_<suffix>`)."""
    name = f"{NAMESPACE}_{suffix}"
    values: dict[str, object] = {"database_url": _with_database(base.database_url, name), "amqp_namespace": name}
    values.update(overrides)
    return base.model_copy(update=values)


async def eventually(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll an async `check` until it returns something truthy (bounded; never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
