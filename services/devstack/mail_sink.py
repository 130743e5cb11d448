"""A development SMTP server that writes every message it accepts to `<dir>/<time>-<id>.eml`."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class EmlWriter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # aiosmtpd hook
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / (name + ".tmp")
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.directory / name)  # readers never see a half-written file
        return "250 Message accepted for delivery"


def start_mail_sink(host: str, port: int, directory: Path) -> Controller:
    # aiosmtpd logs every DATA line at DEBUG: message bodies carry signing links and one-time
    # codes, which must never reach a log (they are in the .eml files, where they belong).
    logging.getLogger("mail.log").setLevel(logging.INFO)
    controller = Controller(EmlWriter(directory), hostname=host, port=port)
    controller.start()
    return controller
