"""The lifecycle family: N concurrent clients, each running whole lifecycles through the gateway
as a user would, for a fixed time:

    create → upload (presigned PUT to S3) → signer → signature field → send
    → the invitation email (read from the SMTP sink, as the signer would) → the signing link
    → sign → completed (the signed PDF built by the completion worker)

It reports completed documents per second, and two latencies read from server timestamps only:
send → invitation accepted by SMTP (the document's `sentAt` to the sink's `X-Sink-Accepted-At`)
and send → audit entry (`sentAt` to the `document.sent` entry's `recorded_at` in the audit
service's table). Needs the system's mail to go to the development sink (`make run` does),
writing where this process reads (MAIL_SINK_DIR).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import asyncpg
from aiohttp import ClientSession, ClientTimeout
from pypdf import PdfWriter

from bench.lifecycle_client import SIGNING, LifecycleClient, LifecycleFailed
from services.devstack.mail_sink import ACCEPTED_HEADER
from shared.settings import Settings

_LINK = re.compile(r"/sign/([A-Za-z0-9_-]{16,})")
WAIT_S = 120  # longest a client waits for an email or a completion before giving up on a document


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Invitation:
    accepted_at: datetime
    token: str


class MailWatch:
    """Watches the sink's directory: each new message to an address someone awaits resolves
    their future with its acceptance time and signing link. Files there before the run are
    skipped unread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen = {p.name for p in directory.glob("*.eml")} if directory.exists() else set()
        self.waiting: dict[str, asyncio.Future[Invitation]] = {}
        self.parser = BytesParser(policy=policy.default)

    def expect(self, address: str) -> asyncio.Future[Invitation]:
        future: asyncio.Future[Invitation] = asyncio.get_running_loop().create_future()
        self.waiting[address.lower()] = future
        return future

    def _read(self, path: Path) -> None:
        message = self.parser.parsebytes(path.read_bytes())
        recipient = str(message.get("To", "")).rsplit("<", 1)[-1].rstrip(">").strip().lower()
        future = self.waiting.get(recipient)
        if future is None or future.done() or not message.get(ACCEPTED_HEADER):
            return
        body = message.get_body(("plain", "html"))
        found = _LINK.search(body.get_content() if body is not None else "")
        if found:
            accepted = datetime.fromisoformat(str(message[ACCEPTED_HEADER]))
            future.set_result(Invitation(accepted, found.group(1)))
            del self.waiting[recipient]

    def _scan(self) -> None:
        with os.scandir(self.directory) as entries:
            fresh = sorted(e.name for e in entries if e.name.endswith(".eml") and e.name not in self.seen)
        for name in fresh:
            self.seen.add(name)
            self._read(self.directory / name)

    async def run(self) -> None:
        # The directory is listed only when its mtime moved (a file was added), and once in a
        # while anyway (two files within one timestamp tick): listing a sink directory of
        # thousands of messages 50 times a second costs CPU on the very cores being measured.
        last_mtime, tick = -1, 0
        while True:
            tick += 1
            try:
                mtime = self.directory.stat().st_mtime_ns
            except FileNotFoundError:
                mtime = -1
            if mtime != -1 and (mtime != last_mtime or tick % 25 == 0):
                last_mtime = mtime
                self._scan()
            await asyncio.sleep(0.02)


@dataclass
class Tally:
    completed: list[str] = field(default_factory=list)  # document ids
    sent_at: dict[str, datetime] = field(default_factory=dict)
    invited_at: dict[str, datetime] = field(default_factory=dict)
    lifecycle_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Client:
    def __init__(self, http: ClientSession, gateway: str, api_key: str, mail: MailWatch, run_id: str) -> None:
        self.api, self.mail, self.run_id = LifecycleClient(http, gateway, api_key), mail, run_id
        self.pdf = _pdf()

    async def lifecycle(self, n: int, tally: Tally) -> None:
        started = time.monotonic()
        email = f"bench+{self.run_id}-{n}@example.com"
        doc_id = (await self.api.draft(f"Lifecycle {n}", self.pdf, "bench.pdf"))["id"]
        await self.api.add_signer(doc_id, email, f"Signer {n}")
        await self.api.add_field(
            doc_id, {"type": "signature", "page": 1, "x": 100, "y": 650, "width": 200, "height": 60}
        )
        invitation = self.mail.expect(email)
        sent = await self.api.send(doc_id)
        tally.sent_at[doc_id] = datetime.fromisoformat(sent["sentAt"].replace("Z", "+00:00"))
        invite = await asyncio.wait_for(invitation, WAIT_S)
        tally.invited_at[doc_id] = invite.accepted_at
        session = await self.api.call("GET", f"{SIGNING}{invite.token}", 200)
        values = [
            {"id": f["id"], "value": {"type": "typed", "text": f"Signer {n}"}}
            for f in session["fields"]
            if f["type"] == "signature"
        ]
        await self.api.sign(invite.token, values)
        await self.api.wait_completed(doc_id, WAIT_S)
        tally.completed.append(doc_id)
        tally.lifecycle_s.append(time.monotonic() - started)

    async def loop(self, number: int, deadline: float, tally: Tally) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                await self.lifecycle(number * 100_000 + n, tally)
            except (LifecycleFailed, TimeoutError, OSError) as exc:
                tally.failures.append(f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class Result:
    clients: int
    duration_s: float
    completed: int
    failures: int
    documents_per_s: float
    lifecycle_ms: dict[str, float]
    send_to_smtp_ms: dict[str, float]
    send_to_audit_ms: dict[str, float]
    audit_missing: int
    first_failure: str | None


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:  # nearest rank
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {"p50": round(rank(50), 1), "p99": round(rank(99), 1), "max": round(ordered[-1], 1), "n": len(ordered)}


async def _audit_recorded(database_url: str, document_ids: list[str]) -> dict[str, datetime]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            """SELECT document_id, recorded_at FROM audit.entries
               WHERE document_id = ANY($1::text[]) AND action = 'document.sent'""",
            document_ids,
        )
    finally:
        await conn.close()
    return {r["document_id"]: r["recorded_at"] for r in rows}


async def _run(settings: Settings, gateway: str, api_key: str, clients: int, duration_s: int) -> Result:
    mail = MailWatch(settings.mail_sink_dir)
    watcher = asyncio.create_task(mail.run())
    tally = Tally()
    run_id = secrets.token_hex(3)
    started = time.monotonic()
    try:
        async with ClientSession(timeout=ClientTimeout(total=WAIT_S)) as http:
            workers = [Client(http, gateway, api_key, mail, run_id) for _ in range(clients)]
            await asyncio.gather(*(w.loop(i, started + duration_s, tally) for i, w in enumerate(workers)))
    finally:
        watcher.cancel()
    elapsed = time.monotonic() - started
    # Audit entries of the last documents may still be on their way: give the consumer a moment.
    recorded: dict[str, datetime] = {}
    for _ in range(100):
        recorded = await _audit_recorded(settings.database_url, list(tally.sent_at))
        if len(recorded) == len(tally.sent_at):
            break
        await asyncio.sleep(0.1)
    to_smtp = [
        (tally.invited_at[d] - sent).total_seconds() * 1000
        for d, sent in tally.sent_at.items()
        if d in tally.invited_at
    ]
    to_audit = [(recorded[d] - sent).total_seconds() * 1000 for d, sent in tally.sent_at.items() if d in recorded]
    return Result(
        clients=clients,
        duration_s=round(elapsed, 1),
        completed=len(tally.completed),
        failures=len(tally.failures),
        documents_per_s=round(len(tally.completed) / elapsed, 2) if elapsed else 0.0,
        lifecycle_ms=percentiles([s * 1000 for s in tally.lifecycle_s]),
        send_to_smtp_ms=percentiles(to_smtp),
        send_to_audit_ms=percentiles(to_audit),
        audit_missing=len(tally.sent_at) - len(recorded),
        first_failure=tally.failures[0] if tally.failures else None,
    )


def run(settings: Settings, gateway: str, api_key: str, clients: int, duration_s: int) -> Result:
    return asyncio.run(_run(settings, gateway, api_key, clients, duration_s))


def _p(values: dict[str, float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {values['p50']:,.0f} ms, p99 {values['p99']:,.0f} ms, max {values['max']:,.0f} ms (n={values['n']:.0f})"
    )


def print_result(r: Result, targets: dict[str, float]) -> None:
    print(f"\nlifecycle: {r.clients} concurrent clients for {r.duration_s:.0f} s, through the gateway")
    rate_ratio = r.documents_per_s / targets["documents_per_s"]
    print(
        f"  completed documents/s    {r.documents_per_s:>8.2f}   ({r.completed} completed, {r.failures} failed)"
        f"   {rate_ratio:.2f} of the target {targets['documents_per_s']:.0f}/s"
    )
    print(f"  whole lifecycle          {_p(r.lifecycle_ms)}")
    for label, values, target in (
        ("send → SMTP accepted", r.send_to_smtp_ms, targets["send_to_smtp_p99_ms"]),
        ("send → audit entry", r.send_to_audit_ms, targets["send_to_audit_p99_ms"]),
    ):
        ratio = f"   p99 {values['p99'] / target:.2f}× the target {target:.0f} ms" if values else ""
        print(f"  {label:<24} {_p(values)}{ratio}")
    if r.audit_missing:
        print(f"  ({r.audit_missing} sent documents had no audit entry yet when read)")
    if r.first_failure:
        print(f"  first failure: {r.first_failure}")
