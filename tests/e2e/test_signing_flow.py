"""The signing flow end to end, through the gateway, with real S3 (moto) and real PostgreSQL.

A sender creates a document, uploads a generated PDF, adds signers and fields and sends it; each
signer gets their link the way the notifier will (GET /internal/signers/{id}/signing-link) and
signs through the signing API; the completion worker builds the signed PDF, which is downloaded
and opened with pypdf. Every JSON answer is checked against the OpenAPI document.

The helpers here (`Flow`) are shared by the other lifecycle test modules.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
from collections.abc import Sequence
from typing import Any, Literal

import aiohttp
import asyncpg
import pytest
from PIL import Image
from pypdf import PdfReader

from services.documents.commands.deps import DEPS
from services.documents.workers.completion import run_completion_pass
from shared.callers import caller_headers
from shared.context import H_ORG
from tests.conftest import Api
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf
from tests.spec_check import Conformance, Driver

pytestmark = pytest.mark.e2e

D = "/api/v1/documents"
S = "/api/v1/signing/{token}"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) CountersignTest/1.0"


def png_data_url(size: tuple[int, int] = (160, 50)) -> str:
    buffer = io.BytesIO()
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    for x in range(10, size[0] - 10):  # a stroke, so there is ink to draw
        image.putpixel((x, size[1] // 2 + (x % 7) - 3), (0, 0, 120, 255))
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Flow:
    """One test's view of the system: the sender's API, the signers' API and the internals."""

    def __init__(self, call: Driver, api: Api, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool) -> None:
        self.call, self.api, self.system, self.http, self.db = call, api, system, http, db
        self.signing = Api(http, system.gateway_url, None)  # no API key: the token is the credential
        self.tokens: set[str] = set()  # every raw token seen, to prove none leaks into an event

    # --- the sender ---------------------------------------------------------------------------
    async def upload(self, doc_id: str, pdf: bytes) -> None:
        body = await self.call(
            self.api,
            "POST",
            D + "/{id}/upload",
            200,
            id=doc_id,
            json={"filename": "contract.pdf", "contentType": "application/pdf", "fileSize": len(pdf)},
        )
        async with self.http.put(body["data"]["uploadUrl"], data=pdf, headers=body["data"]["headers"]) as resp:
            assert resp.status == 200, await resp.text()

    async def draft(
        self,
        *,
        signers: Sequence[dict[str, Any]],
        fields: Sequence[dict[str, Any]],
        pdf: bytes | Literal[False] | None = None,
        **document: Any,
    ) -> tuple[str, dict[str, str]]:
        """A draft with its file (a default PDF when None, none when False), signers and fields;
        returns (id, {email: signer id})."""
        created = await self.call(self.api, "POST", D, 201, json={"name": "Sales Agreement Q3", **document})
        doc_id = created["data"]["id"]
        if pdf is not False:
            await self.upload(doc_id, pdf or make_pdf([LETTER, LETTER]))
        ids: dict[str, str] = {}
        for signer in signers:
            added = await self.call(self.api, "POST", D + "/{id}/signers", 201, id=doc_id, json=signer)
            ids[signer["email"]] = added["data"]["id"]
        for field in fields:
            await self.call(self.api, "POST", D + "/{id}/fields", 201, id=doc_id, json=field)
        return doc_id, ids

    async def field_ids(self, doc_id: str) -> list[dict[str, Any]]:
        return (await self.call(self.api, "GET", D + "/{id}/fields", 200, id=doc_id))["data"]

    async def send(self, doc_id: str, expected: int = 200) -> dict[str, Any]:
        return await self.call(self.api, "POST", D + "/{id}/send", expected, id=doc_id)

    async def document(self, doc_id: str) -> dict[str, Any]:
        return (await self.call(self.api, "GET", D + "/{id}", 200, id=doc_id))["data"]

    # --- the notifier's view ------------------------------------------------------------------
    async def internal(self, path: str) -> tuple[int, Any]:
        url = self.system.services["documents"].url + path
        # As the notifier asks: its own caller credential, for the event's organisation.
        headers = caller_headers(self.system.settings.require_internal_secret(), "notifier") | {
            H_ORG: self.api.org_id or ""
        }
        async with self.http.get(url, headers=headers) as resp:
            return resp.status, await resp.json()

    async def link(self, signer_id: str) -> str:
        """The signer's token, from the link the notifier would email."""
        status, body = await self.internal(f"/internal/signers/{signer_id}/signing-link")
        assert status == 200, body
        url = body["data"]["url"]
        assert url.startswith(self.system.settings.public_url + "/sign/")
        token = url.rsplit("/", 1)[1]
        self.tokens.add(token)
        return token

    async def embedded_link(self, doc_id: str, signer_id: str) -> str:
        """The signer's token from the sender's embedded-signing URL (which replaces the old link)."""
        issued = await self.call(
            self.api, "POST", D + "/{id}/signers/{signerId}/signing-url", 200, id=doc_id, signerId=signer_id
        )
        token = str(issued["data"]["url"]).rsplit("/", 1)[1]
        self.tokens.add(token)
        return token

    # --- the signer ---------------------------------------------------------------------------
    async def as_signer(
        self, method: str, path: str, expected: int | tuple[int, ...], token: str, **kwargs: Any
    ) -> Any:
        headers = {"User-Agent": BROWSER} | kwargs.pop("headers", {})
        return await self.call(self.signing, method, S + path, expected, token=token, headers=headers, **kwargs)

    # --- completion and events ----------------------------------------------------------------
    async def complete(self, doc_id: str) -> dict[str, Any]:
        """Run a completion pass (as the worker does), then wait (bounded) until completed:
        the background worker may have claimed the document first."""
        documents = self.system.services["documents"].app
        await run_completion_pass(documents[DEPS])
        for _ in range(300):
            document = await self.document(doc_id)
            if document["status"] == "completed":
                return document
            await asyncio.sleep(0.1)
        raise AssertionError(f"document still {document['status']}")

    async def events(self, doc_id: str) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            "SELECT body FROM documents.outbox WHERE body->>'documentId' = $1 ORDER BY seq", doc_id
        )
        return [r["body"] for r in rows]

    async def event_types(self, doc_id: str) -> list[str]:
        return [e["type"] for e in await self.events(doc_id)]

    async def assert_no_token_in_events(self) -> None:
        bodies = [str(r["body"]) for r in await self.db.fetch("SELECT body::text AS body FROM documents.outbox")]
        for token in self.tokens:
            assert not any(token in body for body in bodies), "a raw signing token reached an event"


@pytest.fixture
async def flow(
    conformance: Conformance, api: Api, system: System, http: aiohttp.ClientSession, db: asyncpg.Pool
) -> Flow:
    return Flow(Driver(conformance), api, system, http, db)


def signature(order: int, page: int = 1, y: float = 650, **extra: Any) -> dict[str, Any]:
    return {
        "type": "signature",
        "page": page,
        "x": 100,
        "y": y,
        "width": 200,
        "height": 60,
        "assignedTo": order,
        **extra,
    }


def box(type: str, order: int, y: float, page: int = 1, **extra: Any) -> dict[str, Any]:
    return {"type": type, "page": page, "x": 72, "y": y, "width": 220, "height": 24, "assignedTo": order, **extra}


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


# --- the parallel flow ------------------------------------------------------------------------


async def test_parallel_flow_signs_approves_and_completes_with_a_signed_pdf(flow: Flow) -> None:
    original = make_pdf([LETTER, LETTER], text="Master services agreement page")
    doc_id, ids = await flow.draft(
        signingType="parallel",
        message="Please review and sign.",
        pdf=original,
        signers=[
            {"email": "alice@example.com", "name": "Alice Example", "order": 0},
            {"email": "bob@example.com", "name": "Bob Builder", "order": 1},
            {"email": "val@example.com", "name": "Val Approver", "role": "approver", "order": 2},
            {"email": "vic@example.com", "name": "Vic Viewer", "role": "viewer", "order": 3},
        ],
        fields=[
            signature(0),
            box("company", 0, 100),
            box("date_signed", 0, 140),
            signature(1, page=2, y=500),
            box("checkbox", 1, 200, page=2, width=20, height=20),
            box("dropdown", 1, 260, page=2, options=["Monthly", "Yearly"]),
            box("name", 1, 300, page=2),
            box("approval", 2, 400, width=20, height=20),
        ],
    )
    fields = {(f["assignedTo"], f["type"]): f["id"] for f in await flow.field_ids(doc_id)}

    sent = await flow.send(doc_id)
    assert set(sent["data"]) == {"id", "status", "signerCount", "sentAt"}
    assert sent["data"]["id"] == doc_id and sent["data"]["status"] == "pending" and sent["data"]["signerCount"] == 4
    types = await flow.event_types(doc_id)
    # The approver approves before the signers sign: only Val is invited at send (viewers never are).
    assert types.count("document.sent") == 1 and types.count("signer.invited") == 1
    document_hash = (await flow.document(doc_id))["documentHash"]
    val = await flow.link(ids["val@example.com"])
    approved = await flow.as_signer("POST", "/approve", 200, val)
    assert approved["data"]["finalizing"] is False and approved["data"]["documentStatus"] == "pending"
    assert (await flow.event_types(doc_id)).count("signer.invited") == 3

    alice = await flow.link(ids["alice@example.com"])
    session = (await flow.as_signer("GET", "", 200, alice))["data"]
    assert session["name"] == "Sales Agreement Q3" and session["message"] == "Please review and sign."
    assert session["pageCount"] == 2 and session["pages"][0] == {"page": 1, "width": 612, "height": 792}
    assert session["signer"]["email"] == "alice@example.com" and session["isTurn"] is True
    assert session["otpRequired"] is False
    assert {f["type"]: f["autoFilled"] for f in session["fields"]} == {
        "signature": False,
        "company": False,
        "date_signed": True,
    }
    assert await flow.as_signer("GET", "/file", 200, alice) == original
    assert (await flow.as_signer("GET", "", 200, alice))["data"]["signer"]["viewedAt"]
    viewed = [e for e in await flow.events(doc_id) if e["type"] == "signer.viewed"]
    assert len(viewed) == 1 and viewed[0]["actor"]["id"] == ids["alice@example.com"]  # the first view only

    signed = await flow.as_signer(
        "POST",
        "/sign",
        200,
        alice,
        json={
            "consent": True,
            "fields": [
                {"id": fields[(0, "signature")], "value": {"type": "typed", "text": "Alice Example"}},
                {"id": fields[(0, "company")], "value": "Acme Corporation"},
            ],
        },
    )
    assert signed["data"]["status"] == "completed" and signed["data"]["finalizing"] is False

    bob = await flow.link(ids["bob@example.com"])
    last = await flow.as_signer(
        "POST",
        "/sign",
        200,
        bob,
        json={
            "consent": True,
            "fields": [
                {"id": fields[(1, "signature")], "value": {"type": "drawn", "image": png_data_url()}},
                {"id": fields[(1, "checkbox")], "value": True},
                {"id": fields[(1, "dropdown")], "value": "Yearly"},
            ],
        },
    )
    assert last["data"]["finalizing"] is True

    completed = await flow.complete(doc_id)
    assert completed["completedAt"] and completed["documentHash"] == document_hash
    assert {s["email"]: s["status"] for s in completed["signers"]} == {
        "alice@example.com": "completed",
        "bob@example.com": "completed",
        "val@example.com": "completed",
        "vic@example.com": "pending",
    }

    status, signed_pdf, resp = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert "Signed.pdf" in resp.headers["Content-Disposition"]
    assert hashlib.sha256(signed_pdf).hexdigest() == completed["signedFileHash"]
    reader, text = pdf_text(signed_pdf)
    original_pages = len(PdfReader(io.BytesIO(original)).pages)
    # The original's pages, then the certificate; with every participant's event history it may
    # take more than one page (docs/signed-pdf.md), so it is read from its first page to the end.
    assert len(reader.pages) > original_pages
    assert "Certificate of Completion" in reader.pages[original_pages].extract_text()
    assert all("Certificate of Completion" not in page.extract_text() for page in reader.pages[:original_pages])
    for expected in ("Acme Corporation", "Alice Example", "Bob Builder", "Yearly", "Master services agreement page"):
        assert expected in text, expected
    certificate = "\n".join(page.extract_text() for page in reader.pages[original_pages:])
    assert doc_id in certificate and document_hash in certificate.replace("\n", "")
    assert "Val Approver" in certificate and BROWSER.split(" ")[0] in certificate

    events = await flow.events(doc_id)
    types = [e["type"] for e in events]
    assert types.count("signer.completed") == 2 and types.count("signer.approved") == 1
    assert types.count("document.completed") == 1 and types[-2:] == ["document.completed", "document.downloaded"]
    done = events[-2]["data"]
    assert done["signedFileHash"] == completed["signedFileHash"] and done["name"] == "Sales Agreement Q3"
    signer_events = [e for e in events if e["type"] == "signer.completed"]
    assert all(e["actor"]["type"] == "signer" and e["actor"]["userAgent"] == BROWSER for e in signer_events)

    # Every link is dead once the document is completed, with a state a signing page can show.
    for token in (alice, bob, val):
        gone = await flow.as_signer("GET", "", 410, token)
        assert gone["type"].endswith("/document-completed")
    await flow.as_signer("POST", "/sign", 410, alice, json={"consent": True, "fields": []})
    await flow.assert_no_token_in_events()


# --- the sequential flow ----------------------------------------------------------------------


async def test_sequential_flow_goes_group_by_group(flow: Flow) -> None:
    doc_id, ids = await flow.draft(
        signingType="sequential",
        signers=[
            {"email": "ann@example.com", "name": "Ann First", "order": 0},
            {"email": "val@example.com", "name": "Val Approver", "role": "approver", "order": 1},
            {"email": "vera@example.com", "name": "Vera Approver", "role": "approver", "order": 1},
            {"email": "bob@example.com", "name": "Bob Last", "order": 2},
            {"email": "vic@example.com", "name": "Vic Viewer", "role": "viewer", "order": 0},
        ],
        fields=[signature(0), box("text", 0, 100, label="Title"), signature(2, y=500)],
    )
    fields = {(f["assignedTo"], f["type"]): f["id"] for f in await flow.field_ids(doc_id)}
    await flow.send(doc_id)

    invited = [e["data"]["signer"]["email"] for e in await flow.events(doc_id) if e["type"] == "signer.invited"]
    assert invited == ["ann@example.com"]
    # Bob's turn has not come: the notifier gets no link, and an embedded link cannot sign yet.
    status, body = await flow.internal(f"/internal/signers/{ids['bob@example.com']}/signing-link")
    assert status == 409 and body["type"].endswith("/not-your-turn")
    bob = await flow.embedded_link(doc_id, ids["bob@example.com"])
    assert (await flow.as_signer("GET", "", 200, bob))["data"]["isTurn"] is False
    early = await flow.as_signer(
        "POST",
        "/sign",
        409,
        bob,
        json={
            "consent": True,
            "fields": [{"id": fields[(2, "signature")], "value": {"type": "typed", "text": "Bob Last"}}],
        },
    )
    assert early["type"].endswith("/not-your-turn")

    ann = await flow.link(ids["ann@example.com"])
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        ann,
        json={
            "consent": True,
            "fields": [
                {"id": fields[(0, "signature")], "value": {"type": "typed", "text": "Ann First"}},
                {"id": fields[(0, "text")], "value": "Chief Executive"},
            ],
        },
    )
    invited = [e["data"]["signer"]["email"] for e in await flow.events(doc_id) if e["type"] == "signer.invited"]
    assert invited == ["ann@example.com", "val@example.com", "vera@example.com"]  # the approvers' group, together
    again = await flow.as_signer("POST", "/sign", 409, ann, json={"consent": True, "fields": []})
    assert again["type"].endswith("/signer-completed")

    val, vera = await flow.link(ids["val@example.com"]), await flow.link(ids["vera@example.com"])
    wrong = await flow.as_signer("POST", "/sign", 409, val, json={"consent": True, "fields": []})
    assert wrong["type"].endswith("/wrong-role")
    await flow.as_signer("POST", "/approve", 200, val)
    assert (await flow.as_signer("GET", "", 200, bob))["data"]["isTurn"] is False  # Vera has not approved yet
    await flow.as_signer("POST", "/approve", 200, vera)
    assert (await flow.as_signer("GET", "", 200, bob))["data"]["isTurn"] is True
    assert await flow.link(ids["bob@example.com"]) == bob  # the notifier's link is the current one

    done = await flow.as_signer(
        "POST",
        "/sign",
        200,
        bob,
        json={
            "consent": True,
            "fields": [{"id": fields[(2, "signature")], "value": {"type": "typed", "text": "Bob Last"}}],
        },
    )
    assert done["data"]["finalizing"] is True
    completed = await flow.complete(doc_id)
    status, signed_pdf, _ = await flow.api.request("GET", f"{D}/{doc_id}/download")
    assert status == 200 and hashlib.sha256(signed_pdf).hexdigest() == completed["signedFileHash"]
    reader, text = pdf_text(signed_pdf)
    # The original's 2 pages, then the certificate (4 participants flow onto a second page).
    assert "Certificate of Completion" in reader.pages[2].extract_text()
    assert len(reader.pages) >= 3 and "Chief Executive" in text and "Bob Last" in text

    types = await flow.event_types(doc_id)
    assert types.count("signer.invited") == 4 and types.count("signer.approved") == 2
    assert types.count("document.completed") == 1
    status, body = await flow.internal(f"/internal/signers/{ids['bob@example.com']}/signing-link")
    assert status == 409 and body["type"].endswith("/document-completed")
    await flow.assert_no_token_in_events()
