"""Templates through the gateway: create (from an upload, or from a draft), roles and fields,
list/get/patch/delete, and documents made from them with `use` (draft or sent at once).

Refusals prove nothing happened: no document was made, no event recorded, the usage count unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Api
from tests.e2e.test_signing_flow import Flow, box, flow, signature  # noqa: F401  (flow is a fixture)
from tests.file_uploads import s3_keys
from tests.pdf_corpus import LETTER, make_pdf

pytestmark = pytest.mark.e2e

T = "/api/v1/templates"
PARTIES = [{"label": "Party A"}, {"label": "Party B"}]


class Templates:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    async def create(self, api: Api | None = None, **body: Any) -> dict[str, Any]:
        created = await self.flow.call(api or self.flow.api, "POST", T, 201, json={"name": "Standard NDA", **body})
        return created["data"]

    async def upload(self, template_id: str, pdf: bytes, api: Api | None = None) -> None:
        grant = await self.flow.call(
            api or self.flow.api,
            "POST",
            T + "/{id}/upload",
            200,
            id=template_id,
            json={"filename": "nda.pdf", "contentType": "application/pdf", "fileSize": len(pdf)},
        )
        async with self.flow.http.put(grant["data"]["uploadUrl"], data=pdf, headers=grant["data"]["headers"]) as resp:
            assert resp.status == 200, await resp.text()

    async def ready(
        self, *, roles: list[dict[str, Any]] = PARTIES, fields: list[dict[str, Any]] | None = None, **body: Any
    ) -> str:
        """A template with a verified two-page PDF, roles and fields."""
        template_id = (await self.create(**body))["id"]
        await self.upload(template_id, make_pdf([LETTER, LETTER]))
        for role in roles:
            await self.flow.call(self.flow.api, "POST", T + "/{id}/roles", 201, id=template_id, json=role)
        for field in (
            fields
            if fields is not None
            else [signature(0), signature(1, y=500), box("company", 0, 100, label="Company")]
        ):
            await self.flow.call(self.flow.api, "POST", T + "/{id}/fields", 201, id=template_id, json=field)
        return template_id

    async def get(self, template_id: str, api: Api | None = None) -> dict[str, Any]:
        return (await self.flow.call(api or self.flow.api, "GET", T + "/{id}", 200, id=template_id))["data"]

    async def use(
        self, template_id: str, expected: int | tuple[int, ...] = 201, api: Api | None = None, **body: Any
    ) -> dict[str, Any]:
        return await self.flow.call(api or self.flow.api, "POST", T + "/{id}/use", expected, id=template_id, json=body)

    async def documents_of(self, template_id: str) -> list[str]:
        rows = await self.flow.db.fetch(
            "SELECT id FROM documents.documents WHERE template_id = $1 ORDER BY created_at, id", template_id
        )
        return [r["id"] for r in rows]


PEOPLE = [{"name": "Alice Example", "email": "alice@example.com"}, {"name": "Bob Builder", "email": "bob@example.com"}]


@pytest.fixture
def templates(flow: Flow) -> Templates:
    return Templates(flow)


async def test_a_template_from_an_upload_answers_like_the_reference(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(description="Mutual NDA", category="Legal", expiresInDays=30)
    data = await templates.get(template_id)
    assert data["id"].startswith("tpl_") and data["fileStatus"] == "verified" and data["pageCount"] == 2
    assert [(s["label"], s["role"], s["sortOrder"]) for s in data["signers"]] == [
        ("Party A", "signer", 0),
        ("Party B", "signer", 1),
    ]
    assert {f["id"][:3] for f in data["fields"]} == {"tf_"} and len(data["fields"]) == 3
    assert data["usageCount"] == 0 and data["isPublic"] is False and data["fileSize"] > 0

    listed = await flow.call(flow.api, "GET", T, 200, params={"search": "nda", "category": "Legal"})
    assert [t["id"] for t in listed["data"]] == [template_id]
    assert listed["data"][0]["_count"] == {"fields": 3, "signers": 2}
    assert listed["meta"] == {"count": 1, "hasMore": False, "nextCursor": None}
    assert (await flow.call(flow.api, "GET", T, 200, params={"category": "Sales"}))["data"] == []

    org = await flow.call(flow.api, "GET", "/api/v1/org", 200)
    assert org["data"]["_count"]["templates"] == 1
    roles = await flow.call(flow.api, "GET", T + "/{id}/roles", 200, id=template_id)
    assert [r["label"] for r in roles["data"]] == ["Party A", "Party B"]
    fields = await flow.call(flow.api, "GET", T + "/{id}/fields", 200, id=template_id)
    assert sorted(f["assignedTo"] for f in fields["data"]) == [0, 0, 1]


async def test_use_makes_a_draft_pointing_at_the_templates_file(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(message="Please sign.", expiresInDays=10)
    template = await templates.get(template_id)
    made = await templates.use(template_id, signers=PEOPLE, prefill={"Company": "Acme Corp"})
    document = made["data"]
    assert document["templateId"] == template_id and document["status"] == "draft"
    assert document["name"] == "Standard NDA" and document["message"] == "Please sign."
    assert document["expiresAt"] is not None
    assert [(s["name"], s["order"]) for s in document["signers"]] == [("Alice Example", 0), ("Bob Builder", 1)]
    company = next(f for f in document["fields"] if f["type"] == "company")
    assert company["defaultValue"] == "Acme Corp" and company["id"].startswith("fld_")
    # The file is the template's: same hash, same objects (shared, not copied).
    assert document["documentHash"] == template["documentHash"]
    keys = await flow.db.fetchrow(
        """SELECT d.pdf_key = t.pdf_key AND d.file_key = t.file_key AS shared
           FROM documents.documents d JOIN documents.templates t ON t.id = d.template_id WHERE d.id = $1""",
        document["id"],
    )
    assert keys["shared"] is True
    assert await flow.event_types(document["id"]) == ["document.created"]
    assert (await templates.get(template_id))["usageCount"] == 1

    # A new file for the draft replaces the draft's, never the template's (shared) objects.
    shared = await flow.db.fetchrow("SELECT file_key, pdf_key FROM documents.templates WHERE id = $1", template_id)
    other = await flow.call(
        flow.api, "POST", "/api/v1/templates/{id}/use", 201, id=template_id, json={"signers": PEOPLE}
    )
    await flow.upload(other["data"]["id"], make_pdf([LETTER]))
    await flow.document(other["data"]["id"])  # verifies the new upload, replacing the draft's file
    stored = s3_keys(flow.system.settings, shared["pdf_key"].rsplit("/verified/", 1)[0])
    assert shared["pdf_key"] in stored and shared["file_key"] in stored

    # The draft is a document like any other: it can be sent as it is.
    sent = await flow.send(document["id"])
    assert sent["data"]["status"] == "pending" and sent["data"]["signerCount"] == 2
    listed = await flow.call(flow.api, "GET", "/api/v1/documents", 200)
    assert next(d for d in listed["data"] if d["id"] == document["id"])["templateId"] == template_id


async def test_use_with_send_sends_at_once_and_a_signer_can_sign(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(signingType="parallel")
    made = await templates.use(template_id, signers=PEOPLE, send=True, name="NDA - Acme")
    document_id = made["data"]["id"]
    assert made["data"]["status"] == "pending" and made["data"]["name"] == "NDA - Acme"
    types = await flow.event_types(document_id)
    assert types.count("document.sent") == 1 and types.count("signer.invited") == 2
    alice = await flow.link(made["data"]["signers"][0]["id"])
    session = (await flow.as_signer("GET", "", 200, alice))["data"]
    own = [f for f in session["fields"] if f["type"] == "signature"]
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        alice,
        json={
            "consent": True,
            "fields": [
                {"id": own[0]["id"], "value": {"type": "typed", "text": "Alice Example"}},
                *[{"id": f["id"], "value": "Acme"} for f in session["fields"] if f["type"] == "company"],
            ],
        },
    )


async def test_a_template_from_a_draft_takes_its_file_signers_and_fields(templates: Templates, flow: Flow) -> None:
    doc_id, _ = await flow.draft(
        signers=[
            {"email": "ann@example.com", "name": "Client", "order": 0},
            {"email": "val@example.com", "name": "Manager", "role": "approver", "order": 1},
        ],
        fields=[signature(0), box("approval", 1, 400, width=20, height=20)],
    )
    draft = await flow.document(doc_id)
    created = await templates.create(name="From a draft", fromDocumentId=doc_id)
    assert [(s["label"], s["role"], s["sortOrder"]) for s in created["signers"]] == [
        ("Client", "signer", 0),
        ("Manager", "approver", 1),
    ]
    assert sorted((f["type"], f["assignedTo"]) for f in created["fields"]) == [("approval", 1), ("signature", 0)]
    assert created["fileStatus"] == "verified" and created["documentHash"] == draft["documentHash"]

    # Replacing the draft's file leaves the template's (shared) objects in place.
    shared = await flow.db.fetchrow("SELECT file_key, pdf_key FROM documents.templates WHERE id = $1", created["id"])
    await flow.upload(doc_id, make_pdf([LETTER]))
    made = await templates.use(
        created["id"],
        signers=[{"name": "Cy", "email": "cy@example.com"}, {"name": "Di", "email": "di@example.com"}],
        send=True,
    )
    assert made["data"]["status"] == "pending"
    pdf = await flow.as_signer("GET", "/file", 200, await flow.link(made["data"]["signers"][0]["id"]))
    assert pdf[:5] == b"%PDF-" and shared["pdf_key"]

    other = await flow.call(flow.api, "POST", T, 422, json={"name": "Nope", "fromDocumentId": "c" + "0" * 24})
    assert other["errors"][0]["field"] == "fromDocumentId"


async def test_bad_use_is_refused_and_nothing_is_made(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(
        fields=[signature(0), signature(1, y=500), box("number", 0, 100, label="Amount"), box("date", 0, 140)]
    )
    date_id = next(f["id"] for f in (await templates.get(template_id))["fields"] if f["type"] == "date")

    wrong_count = await templates.use(template_id, 422, signers=PEOPLE[:1])
    assert wrong_count["errors"] == [
        {
            "field": "signers",
            "message": "This template has 2 signer slot(s), Party A (signer), Party B (signer); 1 signer(s) given, "
            "in slot order",
        }
    ]
    twice = await templates.use(template_id, 422, signers=[PEOPLE[0], {**PEOPLE[1], "email": "ALICE@example.com"}])
    assert [e["field"] for e in twice["errors"]] == ["signers.1.email"]
    bad = await templates.use(
        template_id,
        422,
        signers=PEOPLE,
        prefill={"Amount": "ten", date_id: "2026-02-30", "Nope": "x"},
    )
    found = {e["field"]: e["message"] for e in bad["errors"]}
    assert found["prefill.Amount"] == "Must be a number"
    assert found[f"prefill.{date_id}"] == "Must be a real calendar date, YYYY-MM-DD"
    assert found["prefill.Nope"] == "No field of this template has this id or label"
    assert await templates.documents_of(template_id) == []
    assert (await templates.get(template_id))["usageCount"] == 0

    good = await templates.use(template_id, signers=PEOPLE, prefill={"Amount": 1200.0, date_id: "2026-02-28"})
    values = {f["type"]: f["defaultValue"] for f in good["data"]["fields"]}
    assert values["number"] == "1200" and values["date"] == "2026-02-28"


async def test_a_signature_cannot_be_prefilled(templates: Templates) -> None:
    template_id = await templates.ready(fields=[signature(0, label="Signature"), signature(1, y=500)])
    bad = await templates.use(template_id, 422, signers=PEOPLE, prefill={"Signature": "x"})
    assert bad["errors"] == [{"field": "prefill.Signature", "message": "signature fields cannot be prefilled"}]


async def test_a_template_without_a_verified_file_cannot_be_used(templates: Templates, flow: Flow) -> None:
    template_id = (await templates.create())["id"]
    for role in PARTIES:
        await flow.call(flow.api, "POST", T + "/{id}/roles", 201, id=template_id, json=role)
    missing = await templates.use(template_id, 409, signers=PEOPLE)
    assert missing["type"].endswith("/template-file-missing")
    await templates.upload(template_id, b"%PDF-1.7\n not really a PDF")
    rejected = await templates.use(template_id, 409, signers=PEOPLE)
    assert rejected["type"].endswith("/template-file-invalid")
    assert (await templates.get(template_id))["fileStatus"] == "rejected"
    no_roles = (await templates.create(name="No roles"))["id"]
    await templates.upload(no_roles, make_pdf([LETTER]))
    incomplete = await templates.use(no_roles, 409, signers=PEOPLE[:1])
    assert incomplete["type"].endswith("/template-incomplete")
    assert await templates.documents_of(template_id) == [] and await templates.documents_of(no_roles) == []


async def test_scopes_and_tenants(templates: Templates, flow: Flow, make_api: Any) -> None:
    template_id = await templates.ready()
    reader = await make_api(scopes=["templates.read"], org=None)
    # Another organisation's template is a 404, like a missing one, for every operation.
    assert (await flow.call(reader, "GET", T + "/{id}", 404, id=template_id))["detail"] == "Template not found"
    stranger = await make_api(scopes=["*"])
    await flow.call(stranger, "POST", T + "/{id}/use", 404, id=template_id, json={"signers": PEOPLE})
    await flow.call(stranger, "DELETE", T + "/{id}", 404, id=template_id)
    await flow.call(stranger, "PATCH", T + "/{id}", 404, id=template_id, json={"name": "Mine"})
    assert (await flow.call(stranger, "GET", T, 200))["data"] == []

    org = flow.api.org_id
    same_org = await _key(flow, make_api, org, ["templates.read"])
    await flow.call(same_org, "GET", T + "/{id}", 200, id=template_id)
    await flow.call(same_org, "POST", T + "/{id}/use", 403, id=template_id, json={"signers": PEOPLE})
    await flow.call(same_org, "DELETE", T + "/{id}", 403, id=template_id)
    creator = await _key(flow, make_api, org, ["documents.create"])
    refused = await flow.call(
        creator, "POST", T + "/{id}/use", 403, id=template_id, json={"signers": PEOPLE, "send": True}
    )
    assert refused["detail"] == "This API key lacks the required scope: documents.send"
    assert await templates.documents_of(template_id) == []
    made = await flow.call(creator, "POST", T + "/{id}/use", 201, id=template_id, json={"signers": PEOPLE})
    assert made["data"]["status"] == "draft"
    await flow.call(creator, "GET", T + "/{id}", 403, id=template_id)


async def _key(flow: Flow, make_api: Any, org_id: str | None, scopes: list[str]) -> Api:
    """Another key of the same organisation, with only `scopes`."""
    name = await flow.db.fetchval("SELECT name FROM gateway.organizations WHERE id = $1", org_id)
    api: Api = await make_api(scopes=scopes, org=name)
    assert api.org_id == org_id
    return api


async def test_concurrent_uses_make_one_document_each(templates: Templates) -> None:
    template_id = await templates.ready()
    answers = await asyncio.gather(*(templates.use(template_id, signers=PEOPLE) for _ in range(4)))
    assert len({a["data"]["id"] for a in answers}) == 4
    assert len(await templates.documents_of(template_id)) == 4
    assert (await templates.get(template_id))["usageCount"] == 4


async def test_deleting_a_template_keeps_its_documents_whole(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready()
    made = await templates.use(template_id, signers=PEOPLE, send=True)
    document_id = made["data"]["id"]
    # Delete while uses are in flight: each use either made its document or is a clean 404.
    racing = [templates.use(template_id, (201, 404), signers=PEOPLE) for _ in range(3)]
    results: list[Any] = await asyncio.gather(*racing, flow.call(flow.api, "DELETE", T + "/{id}", 204, id=template_id))
    made_ids = [r["data"]["id"] for r in results[:3] if "data" in r]
    assert all(r["detail"] == "Template not found" for r in results[:3] if "data" not in r)
    assert len(await templates.documents_of(template_id)) == 1 + len(made_ids)

    await flow.call(flow.api, "GET", T + "/{id}", 404, id=template_id)
    after = await templates.use(template_id, 404, signers=PEOPLE)
    assert after["detail"] == "Template not found"
    # The document made before still reads its (shared) file.
    token = await flow.link(made["data"]["signers"][0]["id"])
    assert (await flow.as_signer("GET", "/file", 200, token))[:5] == b"%PDF-"
    assert (await flow.document(document_id))["templateId"] == template_id


async def test_edit_roles_and_fields(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(fields=[signature(0), signature(1, y=500)])
    patched = await flow.call(
        flow.api, "PATCH", T + "/{id}", 200, id=template_id, json={"name": "Renamed", "category": "HR"}
    )
    assert patched["data"]["name"] == "Renamed" and patched["data"]["category"] == "HR"
    roles = (await templates.get(template_id))["signers"]
    taken = await flow.call(
        flow.api, "POST", T + "/{id}/roles", 409, id=template_id, json={"label": "Again", "sortOrder": 1}
    )
    assert taken["type"].endswith("/role-order-taken")
    # Moving a slot moves its fields.
    moved = await flow.call(
        flow.api,
        "PATCH",
        T + "/{id}/roles/{roleId}",
        200,
        id=template_id,
        roleId=roles[1]["id"],
        json={"sortOrder": 5, "role": "approver"},
    )
    assert moved["data"]["sortOrder"] == 5 and moved["data"]["role"] == "approver"
    fields = (await flow.call(flow.api, "GET", T + "/{id}/fields", 200, id=template_id))["data"]
    assert sorted(f["assignedTo"] for f in fields) == [0, 5]
    busy = await flow.call(flow.api, "DELETE", T + "/{id}/roles/{roleId}", 409, id=template_id, roleId=roles[1]["id"])
    assert busy["type"].endswith("/role-has-fields")
    second = next(f for f in fields if f["assignedTo"] == 5)
    nowhere = await flow.call(
        flow.api,
        "PATCH",
        T + "/{id}/fields/{fieldId}",
        422,
        id=template_id,
        fieldId=second["id"],
        json={"assignedTo": 9},
    )
    assert nowhere["errors"][0]["field"] == "assignedTo"
    changed = await flow.call(
        flow.api,
        "PATCH",
        T + "/{id}/fields/{fieldId}",
        200,
        id=template_id,
        fieldId=second["id"],
        json={"type": "approval", "width": 20, "height": 20},
    )
    assert changed["data"]["type"] == "approval"
    await flow.call(flow.api, "DELETE", T + "/{id}/fields/{fieldId}", 204, id=template_id, fieldId=second["id"])
    await flow.call(flow.api, "DELETE", T + "/{id}/roles/{roleId}", 204, id=template_id, roleId=roles[1]["id"])
    data = await templates.get(template_id)
    assert len(data["signers"]) == 1 and len(data["fields"]) == 1


async def test_template_fields_carry_rules_and_formulas_into_their_documents(templates: Templates, flow: Flow) -> None:
    template_id = await templates.ready(roles=[{"label": "Buyer"}], fields=[signature(0)])

    async def add(field: dict[str, Any], expected: int = 201) -> dict[str, Any]:
        return await flow.call(flow.api, "POST", T + "/{id}/fields", expected, id=template_id, json=field)

    price = (await add(box("number", 0, 100, label="Price", validation={"min": 1, "max": 1000})))["data"]
    await add(box("formula", 0, 140, label="Total", formula=f"round({price['id']} * 1.2, 2)"))
    # Refused as on documents' fields, and a signer id has no place on a template: nothing added.
    before = len((await templates.get(template_id))["fields"])
    bad_rules = await add(box("text", 0, 180, validation={"minLength": 9, "maxLength": 2}), 422)
    assert {e["field"] for e in bad_rules["errors"]} == {"validation.minLength"}
    by_signer = await add(box("text", 0, 180, signerId="sr_" + "a" * 20), 422)
    assert [e["field"] for e in by_signer["errors"]] == ["signerId"]
    assert len((await templates.get(template_id))["fields"]) == before

    made = (await templates.use(template_id, signers=PEOPLE[:1]))["data"]
    listed = await flow.call(flow.api, "GET", "/api/v1/documents/{id}/fields", 200, id=made["id"])
    fields = {f["label"]: f for f in listed["data"]}
    rules = {name: value for name, value in fields["Price"]["validation"].items() if value is not None}
    assert rules == {"min": 1, "max": 1000}
    # The document's formula reads the document's own field, not the template's.
    assert fields["Total"]["formula"] == f"round({fields['Price']['id']} * 1.2, 2)"


async def test_a_template_from_a_draft_keeps_its_formulas_working(templates: Templates, flow: Flow) -> None:
    doc_id, _ = await flow.draft(signers=[{"email": "ann@example.com", "name": "Client"}], fields=[signature(0)])
    fields = "/api/v1/documents/{id}/fields"
    price = await flow.call(flow.api, "POST", fields, 201, id=doc_id, json=box("number", 0, 100, label="Price"))
    expression = f"round({price['data']['id']} * 1.2, 2)"
    await flow.call(
        flow.api, "POST", fields, 201, id=doc_id, json=box("formula", 0, 140, label="Total", formula=expression)
    )
    template_id = (await templates.create(name="Priced", fromDocumentId=doc_id))["id"]

    # The template's formula names the template's copy of the price, and so does its document's.
    copied = {
        r["label"]: r
        for r in await flow.db.fetch(
            "SELECT id, label, formula FROM documents.template_fields WHERE template_id = $1", template_id
        )
    }
    assert copied["Total"]["formula"] == f"round({copied['Price']['id']} * 1.2, 2)"
    made = (await templates.use(template_id, signers=PEOPLE[:1]))["data"]
    listed = {f["label"]: f for f in (await flow.call(flow.api, "GET", fields, 200, id=made["id"]))["data"]}
    assert listed["Total"]["formula"] == f"round({listed['Price']['id']} * 1.2, 2)"
