"""A development SMTP server that writes every message it accepts to `<dir>/<time>-<id>.eml`.

Like a receiving MTA's trace field, the sink prepends one header to what it stores:
`X-Sink-Accepted-At`, when it accepted the message (ISO 8601 UTC, microseconds). `make bench`
reads it as the end of "send → invitation accepted by SMTP".
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

ACCEPTED_HEADER = "X-Sink-Accepted-At"


class EmlWriter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # aiosmtpd hook
        accepted = datetime.now(UTC).isoformat(timespec="microseconds")
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / (name + ".tmp")
        tmp.write_bytes(f"{ACCEPTED_HEADER}: {accepted}\r\n".encode() + (envelope.original_content or envelope.content))
        tmp.rename(self.directory / name)  # readers never see a half-written file
        return "250 Message accepted for delivery"


def start_mail_sink(host: str, port: int, directory: Path) -> Controller:
    # aiosmtpd logs every DATA line at DEBUG: message bodies carry signing links and one-time
    # codes, which must never reach a log (they are in the .eml files, where they belong).
    logging.getLogger("mail.log").setLevel(logging.INFO)
    controller = Controller(EmlWriter(directory), hostname=host, port=port)
    controller.start()
    return controller
