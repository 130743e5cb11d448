"""A concurrent lifecycle load through the public API, and the checks of what it left behind.

`run_load` takes documents from draft to completed — each with its PDF, two signers and their
signature fields, sent, signed by both — all at once, spreading requests over every gateway it is
given. It is built for tests that stop, kill and restart services underneath it, so it behaves
like a careful client: a request that got no answer (connection refused or reset, 502/503/504)
is retried on another gateway, and a non-idempotent one only after reading back whether it took
effect (a signer added, a field placed, a document sent, a signature recorded).

`check_exactly_once` then reads the databases, S3 and the SMTP sink: every document completed with
one signed PDF, every event of every document in the audit trail once (its chain whole), every
email recorded once and in the sink once.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg

from services.notifier.emails.headers import MailFrom, message_id
from shared.callers import caller_headers
from shared.context import H_ORG
from shared.settings import Settings
from tests.file_uploads import s3_keys
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Mailbox

D = "/api/v1/documents"
NO_ANSWER = (502, 503, 504)
# Long enough for a killed service to be restarted (or its twin to take over), bounded so a test
# that breaks something fails instead of hanging.
STEP_DEADLINE_SECONDS = 90.0


class NoAnswer(Exception):
    """The request may or may not have taken effect."""


@dataclass
class LoadClient:
    http: aiohttp.ClientSession
    gateways: Sequence[str]
    documents: Sequence[str]  # internal URLs, for the signing link the notifier would email
    settings: Settings
    api_key: str
    org_id: str
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    retries: int = 0  # requests that got no answer and were retried: the load saw the outages

    async def _once(self, base: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            async with self.http.request(
                method, base + path, timeout=aiohttp.ClientTimeout(total=30), **kwargs
            ) as resp:
                body = await resp.json() if "json" in resp.headers.get("Content-Type", "") else await resp.read()
                if resp.status in NO_ANSWER:
                    raise NoAnswer(f"{resp.status} from {method} {path}")
                return resp.status, body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NoAnswer(f"{type(exc).__name__} on {method} {path}") from exc

    async def call(self, method: str, path: str, *, signer: bool = False, **kwargs: Any) -> tuple[int, Any]:
        """One try on the next gateway; NoAnswer when it did not answer."""
        headers = {} if signer else {"Authorization": f"Bearer {self.api_key}"}
        base = self.gateways[next(self._turn) % len(self.gateways)]
        return await self._once(base, method, path, headers=headers, **kwargs)

    async def safe(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """A request safe to repeat: retried until some gateway answers."""
        deadline = asyncio.get_running_loop().time() + STEP_DEADLINE_SECONDS
        while True:
            try:
                return await self.call(method, path, **kwargs)
            except NoAnswer:
                self.retries += 1
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def effect(self, method: str, path: str, done: Any, **kwargs: Any) -> tuple[int, Any] | None:
        """A request not safe to repeat blindly: after no answer, `done()` (safe reads) says
        whether it took effect; then None, else it is sent again. The attempt that got no answer
        may still be running in a live replica and commit after that check: a resent request
        refused (4xx) is then checked once more, and None when the first one took effect."""
        deadline = asyncio.get_running_loop().time() + STEP_DEADLINE_SECONDS
        resent = False
        while True:
            try:
                status, body = await self.call(method, path, **kwargs)
                if resent and 400 <= status < 500 and await done():
                    return None
                return status, body
            except NoAnswer:
                resent = True
                self.retries += 1
                if await done():
                    return None
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def signing_link(self, signer_id: str) -> str:
        headers = caller_headers(self.settings.require_internal_secret(), "notifier") | {H_ORG: self.org_id}
        deadline = asyncio.get_running_loop().time() + STEP_DEADLINE_SECONDS
        for turn in itertools.count():
            base = self.documents[turn % len(self.documents)]
            try:
                status, body = await self._once(
                    base, "GET", f"/internal/signers/{signer_id}/signing-link", headers=headers
                )
                assert status == 200, body
                return str(body["data"]["url"]).rsplit("/", 1)[1]
            except NoAnswer:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")


async def one_document(client: LoadClient, run: str, n: int) -> str:
    """Draft → completed for one document; returns its id."""
    pdf = make_pdf([LETTER])
    # A draft whose creation got no answer may exist twice: the spare stays a draft, harmless.
    status, body = await client.safe("POST", D, json={"name": f"load {run} {n}", "signingType": "parallel"})
    assert status == 201, body
    doc = body["data"]["id"]
    status, body = await client.safe(
        "POST", f"{D}/{doc}/upload", json={"filename": "c.pdf", "contentType": "application/pdf", "fileSize": len(pdf)}
    )
    assert status == 200, body
    async with client.http.put(body["data"]["uploadUrl"], data=pdf, headers=body["data"]["headers"]) as resp:
        assert resp.status == 200, await resp.text()

    async def document() -> dict[str, Any]:
        status, body = await client.safe("GET", f"{D}/{doc}")
        assert status == 200, body
        return body["data"]

    signers = [(f"load-{run}-{n}-{k}@example.com", f"Signer {k}") for k in range(2)]
    for order, (email, name) in enumerate(signers):

        async def added(email: str = email) -> bool:
            return any(s["email"] == email for s in (await document())["signers"])

        answer = await client.effect(
            "POST", f"{D}/{doc}/signers", added, json={"email": email, "name": name, "order": order}
        )
        assert answer is None or answer[0] == 201, answer

        async def placed(order: int = order) -> bool:
            status, body = await client.safe("GET", f"{D}/{doc}/fields")
            return any(f["assignedTo"] == order for f in body["data"])

        field = {"type": "signature", "page": 1, "x": 100, "y": 600 - 80 * order, "width": 200, "height": 60}
        answer = await client.effect("POST", f"{D}/{doc}/fields", placed, json=field | {"assignedTo": order})
        assert answer is None or answer[0] == 201, answer

    async def sent() -> bool:
        return (await document())["status"] != "draft"

    answer = await client.effect("POST", f"{D}/{doc}/send", sent)
    assert answer is None or answer[0] == 200, answer

    ids = {s["email"]: s["id"] for s in (await document())["signers"]}
    _, fields = await client.safe("GET", f"{D}/{doc}/fields")
    for order, (email, name) in enumerate(signers):
        token = await client.signing_link(ids[email])
        field_id = next(f["id"] for f in fields["data"] if f["assignedTo"] == order)

        async def signed(email: str = email) -> bool:
            return any(s["email"] == email and s["status"] == "completed" for s in (await document())["signers"])

        body = {"consent": True, "fields": [{"id": field_id, "value": {"type": "typed", "text": name}}]}
        answer = await client.effect("POST", f"/api/v1/signing/{token}/sign", signed, signer=True, json=body)
        assert answer is None or answer[0] == 200, answer
    return doc


async def run_load(client: LoadClient, documents: int, run: str | None = None) -> list[str]:
    run = run or uuid.uuid4().hex[:8]
    return list(await asyncio.gather(*(one_document(client, run, n) for n in range(documents))))


async def run_load_until(client: LoadClient, enough: asyncio.Event, concurrency: int = 3) -> list[str]:
    """`concurrency` documents at a time, one after another, until `enough` is set (each then
    finishes the document it is on): a load that is certainly running whenever the test acts."""
    run, numbers = uuid.uuid4().hex[:8], itertools.count()

    async def worker() -> list[str]:
        done = []
        while not enough.is_set():
            done.append(await one_document(client, run, next(numbers)))
        return done

    return [doc for done in await asyncio.gather(*(worker() for _ in range(concurrency))) for doc in done]


async def wait_until_completed(client: LoadClient, documents: Sequence[str], timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    waiting = set(documents)
    while waiting:
        for doc in list(waiting):
            status, body = await client.safe("GET", f"{D}/{doc}")
            if body["data"]["status"] == "completed":
                waiting.discard(doc)
        if waiting and asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not completed in {timeout} s: {sorted(waiting)}")
        await asyncio.sleep(0.3)


async def settled(db: asyncpg.Pool, documents: Sequence[str], timeout: float = 60) -> None:
    """Wait until every event of the documents is published and in the audit trail, and every
    email they queued is sent (the notifier's and audit's consumers run behind the API)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        unpublished = await db.fetchval(
            "SELECT count(*) FROM documents.outbox WHERE body->>'documentId' = ANY($1) AND published_at IS NULL",
            list(documents),
        )
        unaudited = await db.fetchval(
            """SELECT count(*) FROM documents.outbox o WHERE o.body->>'documentId' = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM audit.processed_events p WHERE p.event_id = o.event_id)""",
            list(documents),
        )
        unnotified = await db.fetchval(
            """SELECT count(*) FROM documents.outbox o WHERE o.body->>'documentId' = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM notifier.processed_events p WHERE p.event_id = o.event_id)""",
            list(documents),
        )
        unsent = await db.fetchval(
            "SELECT count(*) FROM notifier.emails WHERE document_id = ANY($1) AND status IN ('queued', 'sending')",
            list(documents),
        )
        if unpublished == unaudited == unnotified == unsent == 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"not settled: {unpublished} unpublished, {unaudited} not audited, "
                f"{unnotified} not seen by the notifier, {unsent} emails waiting"
            )
        await asyncio.sleep(0.3)


async def check_exactly_once(
    db: asyncpg.Pool, settings: Settings, mailbox: Mailbox, documents: Sequence[str], *, crashes: bool = False
) -> None:
    """Everything the documents did happened once: see the module docstring. `crashes`: builds
    may have been cut short by a killed process, and one cut short after storing its file leaves
    that file behind unused (each attempt stores under its own key; only the claim's holder
    completes the document)."""
    docs = list(documents)
    # One completion each: one document.completed event, and one signed PDF stored: a key per
    # build attempt, so a second build would have left a second object.
    completed = await db.fetch(
        "SELECT body->>'documentId' AS doc, count(*) AS n FROM documents.outbox "
        "WHERE event_type = 'document.completed' AND body->>'documentId' = ANY($1) GROUP BY 1",
        docs,
    )
    assert {r["doc"]: r["n"] for r in completed} == dict.fromkeys(docs, 1)
    rows = await db.fetch(
        "SELECT id, org_id, signed_file_key, completion_attempts FROM documents.documents WHERE id = ANY($1)", docs
    )
    for row in rows:
        signed = s3_keys(settings, f"documents/{row['org_id']}/{row['id']}/signed/")
        if crashes:
            assert row["signed_file_key"] in signed and len(signed) <= row["completion_attempts"], (row["id"], signed)
        else:
            assert signed == [row["signed_file_key"]], (row["id"], signed)

    # The audit trail: each event of each document exactly once, the chain unbroken.
    events = await db.fetch(
        "SELECT event_id, body->>'documentId' AS doc FROM documents.outbox WHERE body->>'documentId' = ANY($1)", docs
    )
    entries = await db.fetch(
        "SELECT event_id, document_id, position FROM audit.entries WHERE document_id = ANY($1)", docs
    )
    assert Counter(e["event_id"] for e in entries) == Counter(e["event_id"] for e in events)
    for doc in docs:
        positions = sorted(e["position"] for e in entries if e["document_id"] == doc)
        assert positions == list(range(1, len(positions) + 1)), (doc, positions)

    # Emails: one row per (event, recipient), each delivered once: its Message-ID (stable across
    # retries of that email) is in the SMTP sink exactly once. Every signer was invited once.
    outcomes = await db.fetch("SELECT id, status FROM notifier.emails WHERE document_id = ANY($1)", docs)
    # `skipped` is fine (an invitation whose signer had already signed); nothing failed or bounced.
    assert {r["status"] for r in outcomes} <= {"sent", "skipped"}, Counter(r["status"] for r in outcomes)
    sent = [r for r in outcomes if r["status"] == "sent"]
    assert sent
    mail_from = MailFrom.parse(settings.mail_from)
    expected = {message_id(r["id"], mail_from) for r in sent}
    in_sink = Counter(str(m["Message-ID"]) for m in mailbox.messages())
    assert {mid: in_sink[mid] for mid in expected} == dict.fromkeys(expected, 1)
    invited = await db.fetch(
        "SELECT lower(recipient) AS r, count(*) AS n FROM notifier.emails "
        "WHERE kind = 'invitation' AND document_id = ANY($1) GROUP BY 1",
        docs,
    )
    assert len(invited) == 2 * len(docs) and all(r["n"] == 1 for r in invited), invited
