"""Bulk sends through the gateway (docs/templates.md, "Bulk sends"): one template, 500 recipients,
500 pending documents and 500 invitations exactly once; a CSV file of the same columns; the
reference's list and detail with per-status counts; the 1-per-5-minutes limit per organisation.

Refusals prove nothing happened: no bulk send, no document, no event.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.conftest import Api
from tests.e2e.test_rate_limits import start_gateway, within_one_window
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)
from tests.e2e.test_templates_api import Templates
from tests.email_peers import eventually
from tests.harness import System
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e

B = "/api/v1/bulk-sends"
RECIPIENT = [{"label": "Vendor"}]
FIELDS = [signature(0), box("company", 0, 100, label="Company"), box("number", 0, 140, label="Amount")]


@pytest.fixture
def templates(flow: Flow) -> Templates:
    return Templates(flow)


async def one_slot_template(templates: Templates) -> str:
    return await templates.ready(roles=RECIPIENT, fields=FIELDS, name="Vendor Agreement", message="Please sign.")


def people(count: int, domain: str) -> list[dict[str, Any]]:
    return [{"name": f"Vendor {i}", "email": f"v{i}@{domain}"} for i in range(count)]


def csv_form(template_id: str, csv: str, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("templateId", template_id)
    for name, value in ({"name": "From a CSV"} | fields).items():
        form.add_field(name, value)
    form.add_field("file", csv.encode(), filename="signers.csv", content_type="text/csv")
    return form


async def bulk_documents(db: asyncpg.Pool, bulk_send_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT id, status, template_id, org_id FROM documents.documents WHERE bulk_send_id = $1 ORDER BY id",
        bulk_send_id,
    )


async def nothing_made(db: asyncpg.Pool, org_id: str | None) -> bool:
    bulk = await db.fetchval("SELECT count(*) FROM documents.bulk_sends WHERE org_id = $1", org_id)
    documents = await db.fetchval("SELECT count(*) FROM documents.documents WHERE org_id = $1", org_id)
    events = await db.fetchval("SELECT count(*) FROM documents.outbox WHERE body->>'orgId' = $1", org_id)
    return bulk == documents == events == 0


def emails_to(mailbox: Mailbox, domain: str) -> dict[str, int]:
    """How many emails each address of `domain` received (read cheaply: 500 are expected)."""
    counts: dict[str, int] = {}
    for path in mailbox.directory.glob("*.eml"):
        for line in path.read_bytes().split(b"\n", 40):
            if line.lower().startswith(b"to:") and domain.encode() in line:
                address = line.split(b"<")[-1].strip(b" >\r").decode() if b"<" in line else line[3:].strip().decode()
                counts[address] = counts.get(address, 0) + 1
                break
    return counts


async def test_five_hundred_signers_make_five_hundred_sent_documents_and_invitations(
    templates: Templates, flow: Flow, mailbox: Mailbox
) -> None:
    template_id = await one_slot_template(templates)
    domain = f"bulk-{uuid.uuid4().hex[:8]}.example.com"
    signers = [{**p, "prefill": {"Company": f"Vendor {i} Ltd", "Amount": i}} for i, p in enumerate(people(500, domain))]
    signers[7]["phone"] = "+1555123456"
    created = await flow.call(
        flow.api,
        "POST",
        B,
        201,
        json={
            "templateId": template_id,
            "name": "Q3 Vendor Agreements",
            "emailMessage": "Q3, please.",
            "signers": signers,
        },
    )
    data = created["data"]
    assert data["id"].startswith("bs_") and data["status"] == "completed" and data["templateId"] == template_id
    assert (data["totalCount"], data["sentCount"], data["failedCount"]) == (500, 500, 0)
    assert data["documentCounts"] == {"pending": 500} and data["emailMessage"] == "Q3, please."

    documents = await bulk_documents(flow.db, data["id"])
    assert len(documents) == 500
    assert {(d["status"], d["template_id"], d["org_id"]) for d in documents} == {
        ("pending", template_id, flow.api.org_id)
    }
    # Each document: its own signer, its own prefill, the bulk send's message, one set of events.
    one = await flow.document(documents[0]["id"])
    assert one["bulkSendId"] == data["id"] and one["templateId"] == template_id and one["emailMessage"] == "Q3, please."
    index = int(one["signers"][0]["name"].split()[1])
    assert {f["label"]: f["defaultValue"] for f in one["fields"] if f["label"]} == {
        "Company": f"Vendor {index} Ltd",
        "Amount": str(index),
    }
    events = await flow.db.fetch(
        """SELECT body->>'type' AS type, count(*) AS n FROM documents.outbox
           WHERE body->>'documentId' = ANY($1::text[]) GROUP BY 1""",
        [d["id"] for d in documents],
    )
    assert {e["type"]: e["n"] for e in events} == {"document.created": 500, "document.sent": 500, "signer.invited": 500}

    # The notifier invites every recipient once; the audit trail records every invitation once.
    everyone = {s["email"] for s in signers}
    received = await eventually(
        lambda: _all_invited(mailbox, domain, everyone), "500 invitations at the SMTP sink", timeout=180
    )
    assert set(received) == everyone and set(received.values()) == {1}
    audited = await eventually(
        lambda: _audited(flow.db, [d["id"] for d in documents], 1500), "1500 audit entries", timeout=180
    )
    assert audited == {"document.created": 500, "document.sent": 500, "signer.invited": 500}

    # The reference's list and detail.
    got = (await flow.call(flow.api, "GET", B + "/{id}", 200, id=data["id"]))["data"]
    assert got == data
    listed = await flow.call(flow.api, "GET", B, 200, params={"status": "completed"})
    assert [b["id"] for b in listed["data"]] == [data["id"]] and listed["data"][0]["sentCount"] == 500
    assert "documentCounts" not in listed["data"][0]


async def _all_invited(mailbox: Mailbox, domain: str, everyone: set[str]) -> dict[str, int] | None:
    received = emails_to(mailbox, domain)
    return received if set(received) >= everyone else None


async def _audited(db: asyncpg.Pool, document_ids: list[str], expected: int) -> dict[str, int] | None:
    rows = await db.fetch(
        "SELECT action, count(*) AS n FROM audit.entries WHERE document_id = ANY($1::text[]) GROUP BY action",
        document_ids,
    )
    counts = {r["action"]: r["n"] for r in rows}
    return counts if sum(counts.values()) >= expected else None


async def test_a_csv_file_of_the_same_columns(templates: Templates, flow: Flow) -> None:
    template_id = await one_slot_template(templates)
    csv = (
        "name,email,phone,Company,Amount\r\n"
        "Alice Johnson,alice@vendor-a.com,,Vendor A,1200\r\n"
        "Bob Williams,bob@vendor-b.com,,Vendor B,\r\n"
        '"Davis, Carol",carol@vendor-c.com,+1555123456,"Vendor ""C""",7.5\r\n'
    )
    created = await flow.call(flow.api, "POST", B + "/csv", 201, data=csv_form(template_id, csv))
    data = created["data"]
    assert (data["name"], data["totalCount"], data["sentCount"]) == ("From a CSV", 3, 3)
    rows = await flow.db.fetch(
        """SELECT s.name, s.email, s.phone, f.label, f.default_value
           FROM documents.documents d JOIN documents.signers s ON s.document_id = d.id
           JOIN documents.fields f ON f.document_id = d.id AND f.label IS NOT NULL
           WHERE d.bulk_send_id = $1 ORDER BY s.email, f.label""",
        data["id"],
    )
    assert [tuple(r) for r in rows] == [
        ("Alice Johnson", "alice@vendor-a.com", None, "Amount", "1200"),
        ("Alice Johnson", "alice@vendor-a.com", None, "Company", "Vendor A"),
        ("Bob Williams", "bob@vendor-b.com", None, "Amount", None),
        ("Bob Williams", "bob@vendor-b.com", None, "Company", "Vendor B"),
        ("Davis, Carol", "carol@vendor-c.com", "+1555123456", "Amount", "7.5"),
        ("Davis, Carol", "carol@vendor-c.com", "+1555123456", "Company", 'Vendor "C"'),
    ]


async def test_bad_rows_reject_the_whole_bulk_send(templates: Templates, flow: Flow) -> None:
    template_id = await one_slot_template(templates)
    org_id = flow.api.org_id
    csv = (
        "name,email,Company,Amount,Colour\n"
        "Alice,alice@example.com,Acme,10,\n"
        ",bob@example.com,Acme,10,\n"
        "Carol,carol@,Acme,ten,\n"
        "Dan,dan@example.com,Acme,10,blue\n"
    )
    bad_csv = await flow.call(flow.api, "POST", B + "/csv", 422, data=csv_form(template_id, csv))
    assert {e["field"]: e["message"] for e in bad_csv["errors"]}.keys() == {"rows.3.name", "rows.4.email"}
    # Rows that are well formed but do not fit the template: named by row and column too.
    csv = "name,email,Amount,Colour\nAlice,alice@example.com,10,\nCarol,carol@example.com,ten,\nDan,dan@example.com,1,blue\n"
    unfit = await flow.call(flow.api, "POST", B + "/csv", 422, data=csv_form(template_id, csv))
    assert {e["field"]: e["message"] for e in unfit["errors"]} == {
        "rows.3.prefill.Amount": "Must be a number",
        "rows.4.prefill.Colour": "No field of this template has this id or label",
    }
    # The JSON body: every bad signer named by its index, nothing made.
    signers = people(3, "example.com")
    signers[2]["prefill"] = {"Amount": "ten"}
    unfit_json = await flow.call(
        flow.api, "POST", B, 422, json={"templateId": template_id, "name": "X", "signers": signers}
    )
    assert [e["field"] for e in unfit_json["errors"]] == ["signers.2.prefill.Amount"]
    too_many = await flow.call(
        flow.api, "POST", B, 422, json={"templateId": template_id, "name": "X", "signers": people(501, "example.com")}
    )
    assert [e["field"] for e in too_many["errors"]] == ["signers"]
    empty = await flow.call(flow.api, "POST", B, 422, json={"templateId": template_id, "name": "", "signers": []})
    assert {e["field"] for e in empty["errors"]} == {"name", "signers"}
    no_file = aiohttp.FormData(default_to_multipart=True)
    no_file.add_field("templateId", template_id)
    no_file.add_field("name", "No file")
    missing = await flow.call(flow.api, "POST", B + "/csv", 422, data=no_file)
    assert [e["field"] for e in missing["errors"]] == ["file"]
    not_multipart = await flow.call(
        flow.api, "POST", B + "/csv", 415, data=b"name,email\n", headers={"Content-Type": "text/csv"}
    )
    assert not_multipart["type"].endswith("/multipart-required")
    assert await nothing_made(flow.db, org_id)


async def test_templates_a_bulk_send_cannot_use(templates: Templates, flow: Flow, make_api: Any) -> None:
    two_slots = await templates.ready()
    refused = await flow.call(
        flow.api, "POST", B, 409, json={"templateId": two_slots, "name": "X", "signers": people(2, "example.com")}
    )
    assert refused["type"].endswith("/template-not-single-signer")
    no_file = (await templates.create(name="No file"))["id"]
    await flow.call(flow.api, "POST", "/api/v1/templates/{id}/roles", 201, id=no_file, json={"label": "Vendor"})
    missing = await flow.call(
        flow.api, "POST", B, 409, json={"templateId": no_file, "name": "X", "signers": people(1, "example.com")}
    )
    assert missing["type"].endswith("/template-file-missing")
    # Another organisation's template is a 404, like a missing one; and nothing is made anywhere.
    stranger = await make_api(scopes=["*"])
    one_slot = await one_slot_template(templates)
    other = await flow.call(
        stranger, "POST", B, 404, json={"templateId": one_slot, "name": "X", "signers": people(1, "example.com")}
    )
    assert other["detail"] == "Template not found"
    csv = csv_form(one_slot, "name,email\nA,a@example.com\n")
    assert (await flow.call(stranger, "POST", B + "/csv", 404, data=csv))["detail"] == "Template not found"
    assert await nothing_made(flow.db, flow.api.org_id) and await nothing_made(flow.db, stranger.org_id)


async def test_scopes_tenants_and_pages(templates: Templates, flow: Flow, make_api: Any) -> None:
    template_id = await one_slot_template(templates)
    made = []
    for n in range(3):
        body = {"templateId": template_id, "name": f"Batch {n}", "signers": people(2, f"b{n}.example.com")}
        made.append((await flow.call(flow.api, "POST", B, 201, json=body))["data"]["id"])
    first = await flow.call(flow.api, "GET", B, 200, params={"limit": 2})
    assert [b["id"] for b in first["data"]] == made[:0:-1] and first["meta"]["hasMore"] is True
    rest = await flow.call(flow.api, "GET", B, 200, params={"limit": 2, "cursor": first["meta"]["nextCursor"]})
    assert [b["id"] for b in rest["data"]] == made[:1] and rest["meta"] == {
        "count": 1,
        "hasMore": False,
        "nextCursor": None,
    }
    assert (await flow.call(flow.api, "GET", B, 200, params={"status": "failed"}))["data"] == []
    await flow.call(flow.api, "GET", B, 400, params={"status": "done"})

    # A document deleted or cancelled shows in the counts.
    document_id = (await bulk_documents(flow.db, made[0]))[0]["id"]
    await flow.call(flow.api, "POST", "/api/v1/documents/{id}/cancel", 200, id=document_id, json={})
    detail = (await flow.call(flow.api, "GET", B + "/{id}", 200, id=made[0]))["data"]
    assert detail["documentCounts"] == {"pending": 1, "cancelled": 1} and detail["sentCount"] == 2

    stranger = await make_api(scopes=["*"])
    assert (await flow.call(stranger, "GET", B + "/{id}", 404, id=made[0]))["detail"] == "Bulk send not found"
    assert (await flow.call(stranger, "GET", B, 200))["data"] == []
    await flow.call(flow.api, "GET", B + "/{id}", 404, id="bs_" + "0" * 20)

    name = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", flow.api.org_id)
    reader: Api = await make_api(scopes=["bulk_sends.read"], org=name)
    await flow.call(reader, "GET", B + "/{id}", 200, id=made[0])
    body = {"templateId": template_id, "name": "Denied", "signers": people(1, "denied.example.com")}
    await flow.call(reader, "POST", B, 403, json=body)
    await flow.call(reader, "POST", B + "/csv", 403, data=csv_form(template_id, "name,email\nA,a@example.com\n"))
    creator: Api = await make_api(scopes=["bulk_sends.create"], org=name)
    await flow.call(creator, "GET", B, 403)
    documents_only: Api = await make_api(scopes=["documents.*", "templates.*"], org=name)
    await flow.call(documents_only, "POST", B, 403, json=body)
    assert await flow.db.fetchval("SELECT count(*) FROM documents.bulk_sends WHERE name = 'Denied'") == 0
    await flow.call(creator, "POST", B, 201, json=body)


@pytest.fixture
async def limited_gateway(system: System) -> AsyncIterator[str]:
    """A gateway replica with the real bulk-send budget (1 per 5 minutes per organisation)."""
    replica = await start_gateway(system, bulk_send_limit_per_5_minutes=1, db_pool_max=2)
    yield replica.url
    await replica.runner.cleanup()


async def test_one_bulk_send_per_five_minutes_per_organisation(flow: Flow, limited_gateway: str, make_api: Any) -> None:
    async def sequence() -> None:
        api = await make_api(scopes=["*"])
        own = Flow(flow.call, api, flow.system, flow.http, flow.db)
        template_id = await one_slot_template(Templates(own))
        limited = Api(flow.http, limited_gateway, api.key, api.org_id)
        body = {"templateId": template_id, "name": "Limited", "signers": people(2, "limit.example.com")}
        # A refused bulk send is not a bulk send: it costs nothing.
        await flow.call(limited, "POST", B, 422, json={**body, "signers": []})
        await flow.call(limited, "POST", B, 201, json=body)
        status, refused, resp = await limited.request("POST", B, json=body)
        assert status == 429 and refused["type"] == "https://docs.insigner.com/errors/rate-limited", refused
        assert 1 <= int(resp.headers["Retry-After"]) <= 300
        flow.call.conformance.check("POST", B, status, refused, resp)
        # The CSV upload shares the budget; another organisation has its own.
        status, _, _ = await limited.request("POST", B + "/csv", data=csv_form(template_id, "name,email\nA,a@x.com\n"))
        assert status == 429
        counts = await flow.db.fetchrow(
            """SELECT (SELECT count(*) FROM documents.bulk_sends WHERE org_id = $1) AS bulk,
                      (SELECT count(*) FROM documents.documents WHERE org_id = $1) AS documents""",
            api.org_id,
        )
        assert (counts["bulk"], counts["documents"]) == (1, 2)
        other = await make_api(scopes=["*"])
        other_template = await one_slot_template(Templates(Flow(flow.call, other, flow.system, flow.http, flow.db)))
        elsewhere = Api(flow.http, limited_gateway, other.key, other.org_id)
        await flow.call(elsewhere, "POST", B, 201, json={**body, "templateId": other_template})

    await within_one_window(300, sequence)
