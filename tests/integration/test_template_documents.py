"""make_documents: K documents from one template in the caller's transaction, all or none —
the function bulk sends and campaigns build on (commands/template_documents.py)."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg
import pytest

from services.documents.commands import files, wp_internal
from services.documents.commands.deps import DEPS, Deps
from services.documents.commands.template_documents import Instance, make_documents
from services.documents.domain.errors import Invalid
from services.documents.domain.template_use import Person
from shared.context import RequestContext
from tests.conftest import Api
from tests.file_uploads import s3_keys
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf

T = "/api/v1/templates"


async def _call(api: Api, method: str, path: str, expected: int, body: Any = None) -> dict[str, Any]:
    status, answer, _ = await api.request(method, path, json=body)
    assert status == expected, answer
    return answer


async def _template(api: Api, http: aiohttp.ClientSession) -> str:
    template_id = (await _call(api, "POST", T, 201, {"name": "Vendor agreement", "signingType": "parallel"}))["data"][
        "id"
    ]
    pdf = make_pdf([LETTER])
    grant = (await _call(api, "POST", f"{T}/{template_id}/upload", 200, {"fileSize": len(pdf)}))["data"]
    async with http.put(grant["uploadUrl"], data=pdf, headers=grant["headers"]) as resp:
        assert resp.status == 200
    await _call(api, "POST", f"{T}/{template_id}/roles", 201, {"label": "Vendor"})
    field = {"type": "signature", "page": 1, "x": 100, "y": 600, "width": 200, "height": 60, "assignedTo": 0}
    await _call(api, "POST", f"{T}/{template_id}/fields", 201, field)
    await _call(
        api, "POST", f"{T}/{template_id}/fields", 201, {**field, "type": "company", "y": 100, "label": "Company"}
    )
    assert (await _call(api, "GET", f"{T}/{template_id}", 200))["data"]["fileStatus"] == "verified"
    return template_id


def _ctx(api: Api) -> RequestContext:
    return RequestContext(org_id=api.org_id, actor_type="api_key", actor_id="key_test", ip=None, user_agent=None)


def _instances(count: int) -> list[Instance]:
    return [
        Instance(
            people=[Person(f"Vendor {i}", f"vendor{i}@example.com")],
            prefill={"Company": f"Vendor {i} Ltd"},
            origin={"bulk_send_id": "bs_test"},
            prefix=f"signers.{i}.",
        )
        for i in range(count)
    ]


@pytest.fixture
def deps(system: System) -> Deps:
    return system.services["documents"].app[DEPS]


async def test_many_documents_sent_in_one_transaction(
    deps: Deps, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    template_id = await _template(api, http)
    assert api.org_id
    async with db.acquire() as conn, conn.transaction():
        made = await make_documents(deps, conn, api.org_id, _ctx(api), template_id, _instances(40), send=True)
    assert len(made) == len(set(made)) == 40
    rows = await db.fetch(
        """SELECT d.id, d.status, d.bulk_send_id, d.template_id, f.default_value
           FROM documents.documents d JOIN documents.fields f ON f.document_id = d.id AND f.type = 'company'
           WHERE d.id = ANY($1::text[])""",
        made,
    )
    assert {(r["status"], r["bulk_send_id"], r["template_id"]) for r in rows} == {("pending", "bs_test", template_id)}
    assert sorted(r["default_value"] for r in rows) == sorted(f"Vendor {i} Ltd" for i in range(40))
    events = await db.fetch(
        "SELECT body->>'type' AS type, count(*) AS n FROM documents.outbox WHERE body->>'documentId' = ANY($1::text[]) "
        "GROUP BY 1",
        made,
    )
    counts = {e["type"]: e["n"] for e in events}
    assert counts["document.created"] == counts["document.sent"] == counts["signer.invited"] == 40


async def test_one_bad_instance_makes_nothing_and_is_named(
    deps: Deps, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession
) -> None:
    template_id = await _template(api, http)
    assert api.org_id
    instances = _instances(10)
    instances[7] = Instance(people=[], prefix="signers.7.")
    instances[3] = Instance(people=instances[3].people, prefill={"Company": 5}, prefix="signers.3.")
    with pytest.raises(Invalid) as refused:
        async with db.acquire() as conn, conn.transaction():
            await make_documents(deps, conn, api.org_id, _ctx(api), template_id, instances, send=True)
    assert [i.field for i in refused.value.fields] == ["signers.3.prefill.Company", "signers.7.signers"]
    assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE template_id = $1", template_id) == 0


async def test_erasing_a_document_made_from_a_template_keeps_the_templates_file(
    deps: Deps, db: asyncpg.Pool, api: Api, http: aiohttp.ClientSession, system: System
) -> None:
    template_id = await _template(api, http)
    assert api.org_id
    async with db.acquire() as conn, conn.transaction():
        made = await make_documents(deps, conn, api.org_id, _ctx(api), template_id, _instances(2), send=False)
    shared = await db.fetchrow("SELECT file_key, pdf_key FROM documents.templates WHERE id = $1", template_id)

    await wp_internal.hard_delete(deps, api.org_id, _ctx(api), made[0])

    assert await db.fetchval("SELECT count(*) FROM documents.documents WHERE id = $1", made[0]) == 0
    stored = s3_keys(system.settings, shared["pdf_key"].rsplit("/verified/", 1)[0])
    assert shared["file_key"] in stored and shared["pdf_key"] in stored
    # The other document still reads its (shared) file.
    verified = await files.require_verified_file(deps, db, api.org_id, made[1])
    assert verified.pdf_key == shared["pdf_key"]
