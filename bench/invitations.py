"""Send → invitation accepted by SMTP, and send → audit entry, measured on a running system.

    .venv/bin/python -m bench.invitations [-n 200] [-c 16]

Drives `-n` documents (one signer, one signature field, a one-page PDF) through create →
upload → signer → field → send with `-c` concurrent clients through the gateway, then waits
for every invitation and reads the timestamps the servers recorded:

- sentAt: documents.documents.sent_at (set in the send transaction);
- accepted by SMTP: the mtime of the .eml file the development mail sink
  (services/devstack/mail_sink.py, started by `make run`) writes before it answers 250;
- audit entry: audit.entries.recorded_at of the document.sent entry.

All three clocks are this machine's (PostgreSQL and the sink run here), so the differences are
latencies. Prints p50 / p95 / p99 / max of each. Not part of `make bench` (bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import secrets
import sys
import time
from email import message_from_bytes
from pathlib import Path

import aiohttp
import asyncpg
from pypdf import PdfWriter

from bench import fixtures
from shared.settings import REPO_ROOT, Settings

D = "/api/v1/documents"


def one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class Sender:
    def __init__(self, http: aiohttp.ClientSession, gateway_url: str, key: str) -> None:
        self.http, self.url = http, gateway_url
        self.headers = {"Authorization": f"Bearer {key}"}

    async def call(self, method: str, path: str, status: int, json: object = None) -> dict:  # type: ignore[type-arg]
        async with self.http.request(method, self.url + path, json=json, headers=self.headers) as resp:
            body = await resp.json(content_type=None)
            if resp.status != status:
                raise RuntimeError(f"{method} {path} answered {resp.status}: {body}")
            return body  # type: ignore[no-any-return]

    async def send_one(self, pdf: bytes, email: str) -> str:
        doc_id = (await self.call("POST", D, 201, {"name": "Latency NDA"}))["data"]["id"]
        upload = {"filename": "nda.pdf", "contentType": "application/pdf", "fileSize": len(pdf)}
        instructions = (await self.call("POST", f"{D}/{doc_id}/upload", 200, upload))["data"]
        async with self.http.put(instructions["uploadUrl"], data=pdf, headers=instructions["headers"]) as resp:
            if resp.status != 200:
                raise RuntimeError(f"upload answered {resp.status}")
        await self.call("POST", f"{D}/{doc_id}/signers", 201, {"email": email, "name": "Bench Signer", "order": 0})
        field = {"type": "signature", "page": 1, "x": 100, "y": 650, "width": 200, "height": 60, "assignedTo": 0}
        await self.call("POST", f"{D}/{doc_id}/fields", 201, field)
        await self.call("POST", f"{D}/{doc_id}/send", 200)
        return doc_id


def accepted_at(mail_dir: Path, since: float) -> dict[str, float]:
    """Recipient → when the sink accepted the message (its file's mtime), for files since `since`."""
    found: dict[str, float] = {}
    for path in mail_dir.glob("*.eml"):
        stat = path.stat()
        if stat.st_mtime < since:
            continue
        to = str(message_from_bytes(path.read_bytes()).get("To", ""))
        address = to.rsplit("<", 1)[-1].rstrip(">").strip().lower()
        found[address] = stat.st_mtime
    return found


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    return f"p50 {at(50):.0f} ms, p95 {at(95):.0f} ms, p99 {at(99):.0f} ms, max {ordered[-1] * 1000:.0f} ms"


async def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="bench.invitations", description=__doc__)
    parser.add_argument("--gateway-url", default=os.environ.get("BENCH_GATEWAY_URL", settings.public_url))
    parser.add_argument("--documents", "-n", type=int, default=200)
    parser.add_argument("--concurrency", "-c", type=int, default=16)
    parser.add_argument("--mail-dir", type=Path, default=REPO_ROOT / "var" / "mail")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the last invitation")
    args = parser.parse_args(argv)

    key = await fixtures.create_key(settings.database_url)
    pdf, run = one_page_pdf(), secrets.token_hex(4)
    started = time.time() - 1  # mtimes have coarse resolution on some filesystems
    emails = {f"bench-{run}-{i}@example.com": "" for i in range(args.documents)}
    queue: asyncio.Queue[str] = asyncio.Queue()
    for email in emails:
        queue.put_nowait(email)

    async with aiohttp.ClientSession() as http:
        sender = Sender(http, args.gateway_url, key)

        async def client() -> None:
            while not queue.empty():
                email = queue.get_nowait()
                emails[email] = await sender.send_one(pdf, email)

        await asyncio.gather(*(client() for _ in range(args.concurrency)))
    sent_in = time.time() - started
    print(f"invitations: {args.documents} documents sent in {sent_in:.1f} s ({args.documents / sent_in:.1f}/s)")

    deadline = time.monotonic() + args.timeout
    while len(accepted := accepted_at(args.mail_dir, started)) < len(emails) and time.monotonic() < deadline:
        if all(email in accepted for email in emails):
            break
        await asyncio.sleep(0.5)
    conn = await asyncpg.connect(settings.database_url)
    try:
        rows = await conn.fetch(
            """SELECT d.id, extract(epoch FROM d.sent_at)::float8 AS sent,
                      (SELECT extract(epoch FROM e.recorded_at)::float8 FROM audit.entries e
                       WHERE e.document_id = d.id AND e.action = 'document.sent') AS audited
               FROM documents.documents d WHERE d.id = ANY($1::text[])""",
            list(emails.values()),
        )
    finally:
        await conn.close()
    sent = {row["id"]: row for row in rows}
    mail = [accepted[email] - sent[doc]["sent"] for email, doc in emails.items() if email in accepted]
    audit = [sent[doc]["audited"] - sent[doc]["sent"] for doc in emails.values() if sent[doc]["audited"] is not None]
    print(f"send → invitation accepted by SMTP ({len(mail)}/{len(emails)}): {percentiles(mail)}")
    print(f"send → audit entry ({len(audit)}/{len(emails)}): {percentiles(audit)}")
    return 0 if len(mail) == len(emails) and len(audit) == len(emails) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
