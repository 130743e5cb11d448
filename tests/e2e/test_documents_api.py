"""Documents through the gateway: the seed's shapes, lists, edits, deletion, bad input, isolation."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from shared.callers import caller_headers
from shared.context import H_ORG
from shared.pagination import encode_cursor
from tests.conftest import Api

D = "/api/v1/documents"
PROBLEM = "application/problem+json"
# Key order of the seed's example responses (documents-api.txt).
SEED_LIST_KEYS = [
    "id",
    "name",
    "status",
    "signingType",
    "fileSize",
    "expiresAt",
    "completedAt",
    "createdAt",
    "updatedAt",
    "templateId",
    "campaignId",
    "bulkSendId",
    "folderId",
    "_count",
]
SEED_CREATE_KEYS = ["id", "name", "status", "signingType", "message", "expiresAt", "folderId", "createdAt", "updatedAt"]
SEED_DETAIL_KEYS = [
    "id",
    "name",
    "status",
    "signingType",
    "fileSize",
    "documentHash",
    "signedFileHash",
    "message",
    "emailSubject",
    "emailMessage",
    "expiresAt",
    "completedAt",
    "reminderFrequency",
    "otpMethod",
    "requireKyc",
    "createdAt",
    "updatedAt",
    "templateId",
    "campaignId",
    "bulkSendId",
    "folderId",
    "signers",
    "fields",
    "attachments",
    "_count",
]
# Ours, after the seed's keys (docs/files.md, "Active content").
ADDED_DETAIL_KEYS = ["originalFileHash", "activeContentRemoved", "activeContentKinds", "redirectUrl", "language"]
# And after the create answer's (docs/embedding.md#redirecturl, docs/languages.md).
ADDED_CREATE_KEYS = ["redirectUrl", "language"]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def create_document(api: Api, name: str = "NDA - Acme Corp", **extra: Any) -> dict[str, Any]:
    status, body, _ = await api.request("POST", D, json={"name": name, **extra})
    assert status == 201, body
    return body["data"]


async def outbox_events(db: asyncpg.Pool, document_id: str) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT body FROM documents.outbox WHERE body->>'documentId' = $1 ORDER BY seq", document_id)
    return [r["body"] for r in rows]


async def org_writes(db: asyncpg.Pool, org_id: str | None) -> tuple[int, int, int, int]:
    """Rows an organisation owns: documents, signers, fields, outbox events."""
    assert org_id, "an anonymous client owns no rows"  # else every count would be 0 whatever happened
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM documents.documents WHERE org_id = $1) AS documents,
                  (SELECT count(*) FROM documents.signers s JOIN documents.documents d ON d.id = s.document_id
                    WHERE d.org_id = $1) AS signers,
                  (SELECT count(*) FROM documents.fields f JOIN documents.documents d ON d.id = f.document_id
                    WHERE d.org_id = $1) AS fields,
                  (SELECT count(*) FROM documents.outbox WHERE body->>'orgId' = $1) AS events""",
        org_id,
    )
    return row["documents"], row["signers"], row["fields"], row["events"]


async def set_status(db: asyncpg.Pool, document_id: str, status: str) -> None:
    # `send` arrives in a later issue; until then tests move documents on by SQL.
    await db.execute("UPDATE documents.documents SET status = $2 WHERE id = $1", document_id, status)


async def walk(api: Api, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        status, body, _ = await api.request("GET", D, params=query)
        assert status == 200, body
        assert body["meta"]["count"] == len(body["data"]) <= limit
        items.extend(body["data"])
        if not body["meta"]["hasMore"]:
            assert body["meta"]["nextCursor"] is None
            return items
        cursor = body["meta"]["nextCursor"]
        assert cursor


async def test_create_returns_the_seed_shape_and_records_one_event(api: Api, db):
    expires = future()
    status, body, resp = await api.request(
        "POST",
        D,
        json={
            "name": "NDA - Acme Corp",
            "signingType": "parallel",
            "message": "Please review and sign this NDA.",
            "expiresAt": expires,
        },
        headers={"User-Agent": "curl/8.4.0"},
    )
    assert status == 201, body
    data = body["data"]
    assert list(data) == SEED_CREATE_KEYS + ADDED_CREATE_KEYS
    assert re.fullmatch(r"c[0-9a-z]{24}", data["id"])
    assert data | {"id": None, "createdAt": None, "updatedAt": None} == {
        "id": None,
        "name": "NDA - Acme Corp",
        "status": "draft",
        "signingType": "parallel",
        "message": "Please review and sign this NDA.",
        "expiresAt": expires,
        "folderId": None,
        "createdAt": None,
        "updatedAt": None,
        "redirectUrl": None,
        "language": None,
    }
    assert ISO_MS.match(data["createdAt"]) and data["createdAt"] == data["updatedAt"]

    events = await outbox_events(db, data["id"])
    assert [e["type"] for e in events] == ["document.created"]
    event = events[0]
    assert event["data"] == {"name": "NDA - Acme Corp"}
    assert event["orgId"] == api.org_id and event["documentId"] == data["id"]
    assert event["actor"]["type"] == "api_key" and event["actor"]["id"]
    assert event["actor"]["ip"] == "127.0.0.1" and event["actor"]["userAgent"] == "curl/8.4.0"
    assert event["requestId"] == resp.headers["X-Request-Id"]


async def test_create_defaults_to_sequential(api: Api):
    data = await create_document(api, "Minimal")
    assert (data["signingType"], data["message"], data["expiresAt"], data["folderId"]) == (
        "sequential",
        None,
        None,
        None,
    )


async def test_detail_has_the_seed_shape_with_nulls(api: Api):
    created = await create_document(api, folderId="fold_1")
    status, body, _ = await api.request("GET", f"{D}/{created['id']}")
    assert status == 200, body
    data = body["data"]
    assert list(data) == SEED_DETAIL_KEYS + ADDED_DETAIL_KEYS
    assert data["folderId"] == "fold_1"
    for key in (
        "fileSize",
        "documentHash",
        "signedFileHash",
        "emailSubject",
        "emailMessage",
        "completedAt",
        "reminderFrequency",
        "otpMethod",
        "templateId",
        "campaignId",
        "bulkSendId",
        "originalFileHash",
    ):
        assert data[key] is None, key
    assert (data["activeContentRemoved"], data["activeContentKinds"]) == (False, [])
    assert data["requireKyc"] is False
    assert (data["signers"], data["fields"], data["attachments"]) == ([], [], [])
    assert data["_count"] == {"signers": 0, "fields": 0, "attachments": 0}


async def test_list_items_have_the_seed_shape_and_counts(api: Api):
    doc = await create_document(api, "Sales Agreement Q3")
    for i in range(2):
        status, body, _ = await api.request(
            "POST", f"{D}/{doc['id']}/signers", json={"email": f"s{i}@acme.com", "name": f"S {i}"}
        )
        assert status == 201, body
    status, body, _ = await api.request(
        "POST",
        f"{D}/{doc['id']}/fields",
        json={"type": "signature", "page": 1, "x": 100, "y": 650, "width": 200, "height": 60},
    )
    assert status == 201, body
    status, body, _ = await api.request("GET", D)
    assert status == 200, body
    assert list(body) == ["data", "meta"]
    assert body["meta"] == {"count": 1, "hasMore": False, "nextCursor": None}
    item = body["data"][0]
    assert list(item) == SEED_LIST_KEYS
    assert item["id"] == doc["id"] and item["fileSize"] is None
    assert item["_count"] == {"signers": 2, "fields": 1, "attachments": 0}


async def test_walk_every_page_newest_first(api: Api):
    ids = [(await create_document(api, f"Doc {i}"))["id"] for i in range(7)]
    pages = []
    cursor = None
    while True:
        status, body, _ = await api.request("GET", D, params={"limit": 3} | ({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        pages.append([d["id"] for d in body["data"]])
        cursor = body["meta"]["nextCursor"]
        if not body["meta"]["hasMore"]:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == list(reversed(ids))
    status, body, _ = await api.request("GET", D)
    assert body["meta"]["count"] == 7 and body["meta"]["hasMore"] is False  # default limit 25


async def test_paging_is_stable_while_documents_are_inserted(api: Api):
    before = [(await create_document(api, f"Existing {i}"))["id"] for i in range(30)]

    async def insert_more() -> None:
        for i in range(20):
            await create_document(api, f"Inserted {i}")
            await asyncio.sleep(0)

    seen, _ = await asyncio.gather(walk(api, 4), insert_more())
    seen_ids = [d["id"] for d in seen]
    assert len(seen_ids) == len(set(seen_ids)), "an item was repeated"
    assert [i for i in seen_ids if i in set(before)] == list(reversed(before)), "an item was skipped or reordered"


async def test_status_filter_and_case_insensitive_literal_search(api: Api, db):
    a = await create_document(api, "Alpha 50%_off")
    b = await create_document(api, "ALPHA beta")
    c = await create_document(api, "Gamma")
    await set_status(db, c["id"], "pending")

    async def names(**params: Any) -> list[str]:
        status, body, _ = await api.request("GET", D, params=params)
        assert status == 200, body
        return sorted(d["name"] for d in body["data"])

    assert await names(search="alpha") == sorted([a["name"], b["name"]])
    assert await names(search="%") == [a["name"]]
    assert await names(search="_") == [a["name"]]
    assert await names(search="nothing-like-this") == []
    assert await names(status="pending") == ["Gamma"]
    assert await names(status="draft") == sorted([a["name"], b["name"]])
    assert await names(status="draft", search="BETA") == [b["name"]]
    assert await names(status="completed") == []
    assert len(await walk(api, 1, status="draft")) == 2


async def test_bad_list_queries_are_400_problems(api: Api):
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJ4IjoxfQ"},
        {"cursor": encode_cursor(datetime.now(UTC), "nul\x00id")},
        {"cursor": encode_cursor(datetime.fromisoformat("0001-01-01T00:00:00+14:00"), "c1")},
        {"status": "archived"},
        {"search": "s" * 201},
        {"search": "nul\x00"},
    ):
        status, body, resp = await api.request("GET", D, params=params)
        assert status == 400, (params, body)
        assert resp.headers["Content-Type"].startswith(PROBLEM)
        assert body["status"] == 400 and body["errors"], params
        assert body["errors"][0]["field"] == next(iter(params))


async def test_patch_while_draft_returns_detail_and_one_event(api: Api, db):
    doc = await create_document(api, "Before", message="old")
    expires = future(10)
    status, body, _ = await api.request(
        "PATCH",
        f"{D}/{doc['id']}",
        json={
            "name": "After",
            "message": "new",
            "expiresAt": expires,
            "signingType": "sequential",
            "emailSubject": "Please sign",
            "reminderFrequency": 3,
            "otpMethod": "email",
        },
    )
    assert status == 200, body
    data = body["data"]
    assert list(data) == SEED_DETAIL_KEYS + ADDED_DETAIL_KEYS
    assert (
        data["name"],
        data["message"],
        data["expiresAt"],
        data["emailSubject"],
        data["reminderFrequency"],
        data["otpMethod"],
    ) == ("After", "new", expires, "Please sign", 3, "email")
    assert data["updatedAt"] > doc["updatedAt"]
    events = await outbox_events(db, doc["id"])
    assert [e["type"] for e in events] == ["document.created", "document.updated"]
    # signingType was already sequential: not a change.
    assert events[1]["data"] == {
        "name": "After",
        "changes": ["name", "message", "expiresAt", "emailSubject", "reminderFrequency", "otpMethod"],
    }

    # Setting what is already there writes nothing.
    status, body, _ = await api.request("PATCH", f"{D}/{doc['id']}", json={"name": "After"})
    assert status == 200 and body["data"]["updatedAt"] == data["updatedAt"]
    # null clears an optional property.
    status, body, _ = await api.request("PATCH", f"{D}/{doc['id']}", json={"message": None, "expiresAt": None})
    assert status == 200 and body["data"]["message"] is None and body["data"]["expiresAt"] is None
    events = await outbox_events(db, doc["id"])
    assert len(events) == 3 and events[2]["data"]["changes"] == ["message", "expiresAt"]


async def test_patch_rejections(api: Api, db):
    doc = await create_document(api, "Stable")
    writes = await org_writes(db, api.org_id)
    for payload, field in (
        ({}, "body"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"status": "completed"}, "status"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"reminderFrequency": 45}, "reminderFrequency"),
        ({"signingType": "random"}, "signingType"),
    ):
        status, body, _ = await api.request("PATCH", f"{D}/{doc['id']}", json=payload)
        assert status == 422, (payload, body)
        assert [e["field"] for e in body["errors"]] == [field], body
    assert await org_writes(db, api.org_id) == writes
    for status_name in ("pending", "action_required", "completed", "cancelled"):
        await set_status(db, doc["id"], status_name)
        status, body, _ = await api.request("PATCH", f"{D}/{doc['id']}", json={"name": "Changed"})
        assert status == 409, body
        assert body["type"] == "https://docs.insigner.com/errors/conflict"
    assert await org_writes(db, api.org_id) == writes


async def test_delete_is_soft_and_then_404_everywhere(api: Api, db):
    doc = await create_document(api, "To delete")
    keep = await create_document(api, "To keep")
    status, body, resp = await api.request("DELETE", f"{D}/{doc['id']}")
    assert status == 204 and body == b""
    assert await db.fetchval("SELECT deleted_at IS NOT NULL FROM documents.documents WHERE id = $1", doc["id"])
    events = await outbox_events(db, doc["id"])
    assert [e["type"] for e in events] == ["document.created", "document.deleted"]
    assert events[1]["data"] == {"name": "To delete"}
    for method, path, payload in (
        ("GET", f"{D}/{doc['id']}", None),
        ("PATCH", f"{D}/{doc['id']}", {"name": "x"}),
        ("DELETE", f"{D}/{doc['id']}", None),
        ("GET", f"{D}/{doc['id']}/signers", None),
        ("POST", f"{D}/{doc['id']}/signers", {"email": "a@b.co", "name": "A"}),
        ("GET", f"{D}/{doc['id']}/fields", None),
    ):
        status, body, _ = await api.request(method, path, json=payload)
        assert status == 404, (method, path, body)
    assert [d["id"] for d in await walk(api, 25)] == [keep["id"]]


async def test_delete_refused_while_signers_may_act(api: Api, db):
    for status_name, expected in (
        ("pending", 409),
        ("action_required", 409),
        ("completed", 204),
        ("declined", 204),
        ("cancelled", 204),
        ("expired", 204),
    ):
        doc = await create_document(api, f"In {status_name}")
        await set_status(db, doc["id"], status_name)
        status, body, _ = await api.request("DELETE", f"{D}/{doc['id']}")
        assert status == expected, (status_name, body)
        deleted = await db.fetchval("SELECT deleted_at IS NOT NULL FROM documents.documents WHERE id = $1", doc["id"])
        assert deleted is (expected == 204)
        assert len(await outbox_events(db, doc["id"])) == (2 if expected == 204 else 1)


async def test_bad_bodies_are_problems_and_write_nothing(api: Api, db):
    writes = await org_writes(db, api.org_id)
    json_header = {"Content-Type": "application/json"}
    for raw in (b"{not json", b"[1, 2]", b'"name"', b"\xff\xfe"):
        status, body, resp = await api.request("POST", D, data=raw, headers=json_header)
        assert status == 400, (raw, body)
        assert resp.headers["Content-Type"].startswith(PROBLEM) and body["status"] == 400
    status, body, _ = await api.request(
        "POST",
        D,
        json={
            "name": 42,
            "signingType": "random",
            "message": "m" * 5001,
            "expiresAt": "yesterday",
            "folderId": ["x"],
            "extra": True,
        },
    )
    assert status == 422, body
    assert body["title"] == "Validation Error" and body["detail"]
    assert {e["field"] for e in body["errors"]} == {"name", "signingType", "message", "expiresAt", "folderId", "extra"}
    status, body, _ = await api.request("POST", D, json={"name": "x" * 201})
    assert status == 422 and body["errors"][0]["field"] == "name"
    status, body, _ = await api.request("POST", D, json={"name": "nul\u0000byte"})
    assert status == 422 and body["errors"][0]["field"] == "name"
    status, body, _ = await api.request("POST", D, data=b"x" * 2_000_000, headers=json_header)
    assert status == 413, body
    assert await org_writes(db, api.org_id) == writes


async def test_invalid_and_unknown_ids_are_404(api: Api):
    for bad in ("not%20an%20id", "x" * 65, "c" + "0" * 24, "..%2F..%2Fetc"):
        for method in ("GET", "PATCH", "DELETE"):
            status, body, resp = await api.request(
                method, f"{D}/{bad}", json={"name": "x"} if method == "PATCH" else None
            )
            assert status == 404, (bad, method, body)
            assert resp.headers["Content-Type"].startswith(PROBLEM)


async def test_other_organisations_documents_are_indistinguishable_from_missing(make_api, db):
    owner, stranger = await make_api(), await make_api()
    doc = await create_document(owner, "Private")
    writes = await org_writes(db, owner.org_id)
    _, missing, _ = await stranger.request("GET", f"{D}/c{'1' * 24}")
    for method, suffix, payload in (
        ("GET", "", None),
        ("PATCH", "", {"name": "Mine"}),
        ("DELETE", "", None),
        ("GET", "/signers", None),
        ("POST", "/signers", {"email": "a@b.co", "name": "A"}),
        ("GET", "/fields", None),
    ):
        status, body, _ = await stranger.request(method, f"{D}/{doc['id']}{suffix}", json=payload)
        assert status == 404, (method, suffix, body)
        assert body == missing
    assert await walk(stranger, 25) == []
    assert await org_writes(db, owner.org_id) == writes


async def test_scopes_are_enforced(make_api):
    admin = await make_api()
    doc = await create_document(admin, "Scoped")
    reader = await make_api(scopes=["documents.read"], org=None)
    status, body, _ = await reader.request("POST", D, json={"name": "x"})
    assert status == 403 and body["type"] == "https://docs.insigner.com/errors/forbidden"
    creator = await make_api(scopes=["documents.create", "documents.read"])
    status, _, _ = await creator.request("POST", D, json={"name": "x"})
    assert status == 201
    mine = (await creator.request("GET", D))[1]["data"][0]["id"]
    for method, path, payload in (
        ("PATCH", f"{D}/{mine}", {"name": "y"}),
        ("DELETE", f"{D}/{mine}", None),
        ("POST", f"{D}/{mine}/signers", {"email": "a@b.co", "name": "A"}),
    ):
        status, body, _ = await creator.request(method, path, json=payload)
        assert status == 403, (method, path, body)
    assert (await admin.request("GET", f"{D}/{doc['id']}"))[0] == 200


async def test_org_count_and_internal_lookup(api: Api, system, http):
    docs = [await create_document(api, f"Counted {i}") for i in range(3)]
    await api.request("DELETE", f"{D}/{docs[0]['id']}")
    status, body, _ = await api.request("GET", "/api/v1/org")
    assert status == 200 and body["data"]["_count"]["documents"] == 2

    documents_url = system.services["documents"].url
    secret = system.settings.require_internal_secret()
    audit = caller_headers(secret, "audit")
    headers = audit | {H_ORG: api.org_id}
    async with http.get(f"{documents_url}/internal/documents/{docs[1]['id']}", headers=headers) as resp:
        assert resp.status == 200
        assert await resp.json() == {"data": {"id": docs[1]["id"], "name": "Counted 1", "status": "draft"}}
    for doc_id, org in ((docs[0]["id"], api.org_id), (docs[1]["id"], "org_someone_else"), ("bad$id", api.org_id)):
        async with http.get(f"{documents_url}/internal/documents/{doc_id}", headers=audit | {H_ORG: org}) as resp:
            assert resp.status == 404
    async with http.get(f"{documents_url}/internal/documents/{docs[1]['id']}", headers={H_ORG: api.org_id}) as resp:
        assert resp.status == 401  # without the gateway's credential


HOSTILE: tuple[Any, ...] = (
    None,
    "",
    " ",
    "x" * 6000,
    "nul\u0000",
    "😀" * 300,
    -1,
    0,
    2**62,
    -(2**62),
    1.5,
    1e308,
    True,
    [],
    ["a"] * 101,
    {},
    {"$gt": ""},
    "2001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
)


async def test_hostile_values_never_cause_a_server_error(api: Api, db):
    """Every property of every body, set to values a careless or hostile client might send."""
    from shared.contracts import document_requests
    from shared.contracts.routes import OPERATIONS

    # The bodies of documents, signers and fields (the models of shared/contracts/document_requests.py;
    # a template's fields take the same models, on paths this test has no template for).
    REQUEST_MODELS = {
        op.key: op.request
        for op in OPERATIONS
        if op.request is not None and op.request.__module__ == document_requests.__name__ and op.path.startswith(D)
    }

    doc = await create_document(api, "Target")
    status, signer, _ = await api.request(
        "POST", f"{D}/{doc['id']}/signers", json={"email": "t@example.com", "name": "T"}
    )
    status, field, _ = await api.request(
        "POST",
        f"{D}/{doc['id']}/fields",
        json={"type": "dropdown", "options": ["a", "b"], "page": 1, "x": 1, "y": 1, "width": 1, "height": 1},
    )
    concrete = {"{id}": doc["id"], "{signerId}": signer["data"]["id"], "{fieldId}": field["data"]["id"]}
    bases: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", D): {"name": "N"},
        ("POST", D + "/{id}/signers"): {"email": "u@example.com", "name": "U"},
        ("POST", D + "/{id}/fields"): {"type": "text", "page": 1, "x": 1, "y": 1, "width": 1, "height": 1},
    }
    for (method, template), model in REQUEST_MODELS.items():
        path = template
        for placeholder, value in concrete.items():
            path = path.replace(placeholder, value)
        for name in model.model_fields:
            bodies = [bases.get((method, template), {}) | {name: value} for value in HOSTILE]
            results = await asyncio.gather(*(api.request(method, path, json=body) for body in bodies))
            for body, (status, resp, _) in zip(bodies, results, strict=True):
                assert status in (200, 201, 409, 422), (method, template, body, resp)
                if status == 422:
                    assert resp["errors"], resp
