"""The WPsigner REST API end to end: the reference's curl examples as test requests.

A gateway is created with the gateway's own `create_app`, pointed at the in-process services,
with an import directory of its own (WPSIGNER_IMPORT_ROOT); requests carry X-WPS-API-Key and
X-WPS-API-Secret as the examples do, and every answer is compared with the reference's shape,
key for key. The helpers here (WpClient, the fixtures) serve the other test_wpsigner_* modules
too; the gateway itself is tests/wpsigner_gateway.py's, one for the whole test process.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest

from services.gateway import credentials
from tests.conftest import Api
from tests.harness import System
from tests.pdf_corpus import LETTER, make_pdf
from tests.wpsigner_gateway import WpGateway, start_wp_gateway  # noqa: F401  (other modules import them from here)

pytestmark = pytest.mark.e2e

W = "/wp-json/wpsigner/v1"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
NUMERIC = re.compile(r"^[1-9][0-9]*$")
# The reference's examples, key for key.
DOCUMENT_KEYS = [
    "id",
    "title",
    "status",
    "original_filename",
    "total_pages",
    "expires_at",
    "completed_at",
    "created_at",
    "updated_at",
]
DETAIL_KEYS = DOCUMENT_KEYS + ["file_url", "file_hash", "signers", "fields"]
DETAIL_SIGNER_KEYS = [
    "id",
    "document_id",
    "name",
    "email",
    "role",
    "signing_order",
    "status",
    "viewed_at",
    "signed_at",
    "declined_at",
    "decline_reason",
    "created_at",
    "updated_at",
]
DETAIL_FIELD_KEYS = [
    "id",
    "document_id",
    "signer_id",
    "field_type",
    "page_number",
    "position_x",
    "position_y",
    "width",
    "height",
    "is_required",
]
SIGNER_KEYS = ["id", "name", "email", "role", "signing_order", "status", "viewed_at", "signed_at", "signing_url"]
FIELD_KEYS = [
    "id",
    "document_id",
    "signer_id",
    "field_type",
    "field_name",
    "page_number",
    "position_x",
    "position_y",
    "width",
    "height",
    "value",
    "placeholder",
    "is_required",
    "font_size",
    "font_family",
    "options",
    "created_at",
    "updated_at",
]


# --- support, shared by the test_wpsigner_* modules ---------------------------------------------


@dataclass
class WpReply:
    status: int
    body: Any
    headers: Any


@dataclass
class WpClient:
    http: aiohttp.ClientSession
    base_url: str
    key: str
    secret: str
    org_id: str
    org_name: str
    key_id: str
    user_agent: str = "WPsigner-Client/1.0"
    extra: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"X-WPS-API-Key": self.key, "X-WPS-API-Secret": self.secret, "User-Agent": self.user_agent} | self.extra

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> WpReply:
        all_headers = self.headers() | (headers or {})
        async with self.http.request(
            method, self.base_url + W + path, json=json, data=data, params=params, headers=all_headers
        ) as resp:
            raw = await resp.read()
            body = orjson.loads(raw) if raw and "json" in resp.headers.get("Content-Type", "") else raw
            return WpReply(resp.status, body, resp.headers)

    def as_key(self, key: str, secret: str) -> WpClient:
        return WpClient(self.http, self.base_url, key, secret, self.org_id, self.org_name, self.key_id, self.user_agent)


_orgs = 0


async def new_org_name() -> str:
    global _orgs
    _orgs += 1
    return f"WP Org {_orgs} {id(object())}"


@pytest.fixture
async def make_wp(wp_gateway: WpGateway, db: asyncpg.Pool, http: aiohttp.ClientSession):  # type: ignore[no-untyped-def]
    """`await make_wp(org=None, read_only=False, member_email=None)` -> a WpClient."""

    async def factory(
        org: str | None = None, read_only: bool = False, member_email: str | None = None, base_url: str | None = None
    ) -> WpClient:
        name = org or await new_org_name()
        async with db.acquire() as conn:
            created = await credentials.create_wpsigner_key(conn, name, "test", read_only, member_email)
        assert created.api_secret is not None
        return WpClient(
            http, base_url or wp_gateway.url, created.api_key, created.api_secret, created.org_id, name, created.key_id
        )

    return factory


@pytest.fixture
async def wp(make_wp) -> WpClient:  # type: ignore[no-untyped-def]
    return await make_wp()


def put_in_import(gateway: WpGateway, relative: str, data: bytes) -> Path:
    path = gateway.import_root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def create_document(
    wp: WpClient, gateway: WpGateway, title: str = "New Contract", pages: int = 2, filename: str = "contract.pdf"
) -> dict[str, Any]:
    path = put_in_import(gateway, f"{wp.org_id}/{filename}", make_pdf([LETTER] * pages, text=title))
    reply = await wp.request(
        "POST", "/documents", json={"title": title, "file_path": str(path), "original_filename": filename}
    )
    assert reply.status == 201, reply.body
    return reply.body


def signature_field(signer_id: str, y: float = 600.0, **extra: Any) -> dict[str, Any]:
    return {
        "signer_id": signer_id,
        "field_type": "signature",
        "page_number": 1,
        "position_x": 90.0,
        "position_y": y,
        "width": 200,
        "height": 60,
        **extra,
    }


async def prepared_document(wp: WpClient, gateway: WpGateway, title: str = "Employment Contract") -> tuple[str, str]:
    """A draft with a file, one signer and a signature field for them: (document id, signer id)."""
    document = await create_document(wp, gateway, title)
    signer = await wp.request(
        "POST", f"/documents/{document['id']}/signers", json={"name": "John Doe", "email": "john@example.com"}
    )
    assert signer.status == 201, signer.body
    field_reply = await wp.request(
        "POST", f"/documents/{document['id']}/fields", json=signature_field(signer.body["id"])
    )
    assert field_reply.status == 201, field_reply.body
    return document["id"], signer.body["id"]


def assert_wp_error(reply: WpReply, status: int, code: str) -> None:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["Content-Type"].startswith("application/json")
    assert isinstance(reply.body, dict) and reply.body["code"] == code, reply.body
    assert isinstance(reply.body["message"], str) and reply.body["message"]
    assert reply.body["data"]["status"] == status


def assert_document_shape(document: dict[str, Any]) -> None:
    assert list(document) == DOCUMENT_KEYS
    assert NUMERIC.match(document["id"])
    for key in ("created_at", "updated_at"):
        assert TIMESTAMP.match(document[key]), document[key]
    for key in ("expires_at", "completed_at"):
        assert document[key] is None or TIMESTAMP.match(document[key])
    assert document["total_pages"] is None or NUMERIC.match(document["total_pages"])


# --- the Documents API page (the seed) ----------------------------------------------------------


async def test_create_document_from_file_path_gives_the_seed_shape(wp: WpClient, wp_gateway: WpGateway) -> None:
    created = await create_document(wp, wp_gateway, "New Contract", pages=3)
    assert_document_shape(created)
    assert created["title"] == "New Contract" and created["status"] == "draft"
    assert created["original_filename"] == "contract.pdf"
    # The file went through the core's verification: the page count is known at once.
    assert created["total_pages"] == "3"
    assert created["expires_at"] is None and created["completed_at"] is None


async def test_documents_created_through_wpsigner_name_their_sender(
    make_wp,
    wp_gateway: WpGateway,  # type: ignore[no-untyped-def]
    db: asyncpg.Pool,
) -> None:
    wp = await make_wp(member_email="bob@wp-sender.example")
    created = await create_document(wp, wp_gateway, "Sender Check")
    row = await db.fetchrow(
        "SELECT sender_email, sender_org_name FROM documents.documents WHERE number = $1", int(created["id"])
    )
    # Emails to the sender (completion, declines) and Reply-To depend on these.
    assert row["sender_email"] == "bob@wp-sender.example" and row["sender_org_name"] == wp.org_name


async def test_get_document_gives_the_full_seed_shape(wp: WpClient, wp_gateway: WpGateway) -> None:
    document_id, signer_id = await prepared_document(wp, wp_gateway)
    reply = await wp.request("GET", f"/documents/{document_id}")
    assert reply.status == 200
    detail = reply.body
    assert list(detail) == DETAIL_KEYS
    assert detail["id"] == document_id and detail["status"] == "draft" and detail["total_pages"] == "2"
    assert re.match(r"^[0-9a-f]{64}$", detail["file_hash"])
    assert detail["file_url"].endswith(f"{W}/documents/{document_id}/file")
    [signer] = detail["signers"]
    assert list(signer) == DETAIL_SIGNER_KEYS
    assert signer["id"] == signer_id and signer["document_id"] == document_id
    assert (signer["name"], signer["email"], signer["role"]) == ("John Doe", "john@example.com", "signer")
    assert signer["signing_order"] == "1" and signer["status"] == "pending"
    assert signer["viewed_at"] is signer["signed_at"] is signer["declined_at"] is signer["decline_reason"] is None
    [field] = detail["fields"]
    assert list(field) == DETAIL_FIELD_KEYS
    assert NUMERIC.match(field["id"]) and field["document_id"] == document_id and field["signer_id"] == signer_id
    assert field["field_type"] == "signature" and field["page_number"] == "1"
    # Strings, as the seed writes them: positions with a decimal point, sizes as integers.
    assert (field["position_x"], field["position_y"], field["width"], field["height"]) == ("90.0", "600.0", "200", "60")
    assert field["is_required"] == "1"


async def test_list_documents_is_a_bare_array_with_wp_total_headers(make_wp, wp_gateway: WpGateway) -> None:  # type: ignore[no-untyped-def]
    wp = await make_wp()
    ids = [(await create_document(wp, wp_gateway, f"Contract {n}"))["id"] for n in range(3)]
    reply = await wp.request("GET", "/documents", params={"per_page": 2})
    assert reply.status == 200 and isinstance(reply.body, list)
    assert reply.headers["X-WP-Total"] == "3" and reply.headers["X-WP-TotalPages"] == "2"
    assert [d["id"] for d in reply.body] == [ids[2], ids[1]]  # newest first
    for document in reply.body:
        assert_document_shape(document)
    second = await wp.request("GET", "/documents", params={"per_page": 2, "page": 2})
    assert [d["id"] for d in second.body] == [ids[0]]
    beyond = await wp.request("GET", "/documents", params={"per_page": 2, "page": 3})
    assert beyond.status == 200 and beyond.body == [] and beyond.headers["X-WP-Total"] == "3"

    default = await wp.request("GET", "/documents")
    assert len(default.body) == 3 and default.headers["X-WP-TotalPages"] == "1"
    search = await wp.request("GET", "/documents", params={"search": "contract 1"})
    assert [d["title"] for d in search.body] == ["Contract 1"] and search.headers["X-WP-Total"] == "1"
    drafts = await wp.request("GET", "/documents", params={"status": "draft", "per_page": 10})
    assert drafts.headers["X-WP-Total"] == "3"
    completed = await wp.request("GET", "/documents", params={"per_page": 10, "status": "completed"})
    assert completed.status == 200 and completed.body == [] and completed.headers["X-WP-Total"] == "0"
    assert completed.headers["X-WP-TotalPages"] == "0"


async def test_list_parameters_are_validated_the_wordpress_way(wp: WpClient) -> None:
    too_many = await wp.request("GET", "/documents", params={"per_page": 101})
    assert_wp_error(too_many, 400, "rest_invalid_param")
    assert "per_page" in too_many.body["data"]["params"]
    assert_wp_error(await wp.request("GET", "/documents", params={"page": 0}), 400, "rest_invalid_param")
    assert_wp_error(await wp.request("GET", "/documents", params={"page": "two"}), 400, "rest_invalid_param")
    bad_status = await wp.request("GET", "/documents", params={"status": "pending"})
    assert_wp_error(bad_status, 400, "rest_invalid_param")
    assert "status" in bad_status.body["data"]["params"]


async def test_update_title_and_send_through_status(wp: WpClient, wp_gateway: WpGateway) -> None:
    document_id, _ = await prepared_document(wp, wp_gateway, "New Contract")
    renamed = await wp.request("PUT", f"/documents/{document_id}", json={"title": "Updated Contract Title"})
    assert renamed.status == 200, renamed.body
    assert_document_shape(renamed.body)
    assert renamed.body["title"] == "Updated Contract Title" and renamed.body["status"] == "draft"

    illegal = await wp.request("PUT", f"/documents/{document_id}", json={"status": "completed"})
    assert_wp_error(illegal, 409, "invalid_status_transition")
    unknown = await wp.request("PUT", f"/documents/{document_id}", json={"status": "archived"})
    assert_wp_error(unknown, 400, "rest_invalid_param")

    sent = await wp.request("PUT", f"/documents/{document_id}", json={"status": "sent"})
    assert sent.status == 200, sent.body
    assert sent.body["status"] == "sent"
    # A sent document keeps its title: the core allows edits of drafts only.
    locked = await wp.request("PUT", f"/documents/{document_id}", json={"title": "Too late"})
    assert_wp_error(locked, 409, "document_not_editable")
    assert "sent" in locked.body["message"]
    again = await wp.request("PUT", f"/documents/{document_id}", json={"status": "sent"})
    assert again.status == 200 and again.body["status"] == "sent"  # asking for what it is changes nothing

    cancelled = await wp.request("PUT", f"/documents/{document_id}", json={"status": "cancelled"})
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    listed = await wp.request("GET", "/documents", params={"status": "cancelled"})
    assert [d["id"] for d in listed.body] == [document_id]


async def test_send_answers_as_the_seed_and_refuses_without_signers(wp: WpClient, wp_gateway: WpGateway) -> None:
    lonely = await create_document(wp, wp_gateway, "No signers yet")
    refused = await wp.request("POST", f"/documents/{lonely['id']}/send")
    assert_wp_error(refused, 400, "no_signers")
    assert refused.body["message"] == "Please add at least one signer."
    assert refused.body["data"] == {"status": 400, "errors": refused.body["data"]["errors"]}
    assert {e["code"] for e in refused.body["data"]["errors"]} >= {"no_signers", "no_fields"}

    document_id, _ = await prepared_document(wp, wp_gateway)
    sent = await wp.request("POST", f"/documents/{document_id}/send")
    assert sent.status == 200 and sent.body == {"sent": True, "message": "Document sent successfully."}
    detail = (await wp.request("GET", f"/documents/{document_id}")).body
    assert detail["status"] == "sent" and detail["signers"][0]["status"] == "pending"
    twice = await wp.request("POST", f"/documents/{document_id}/send")
    assert_wp_error(twice, 409, "invalid_status")

    signers = await wp.request("GET", f"/documents/{document_id}/signers")
    assert signers.status == 200 and list(signers.body[0]) == SIGNER_KEYS
    assert "/sign/" in signers.body[0]["signing_url"]


async def test_send_names_the_missing_field(wp: WpClient, wp_gateway: WpGateway) -> None:
    document = await create_document(wp, wp_gateway)
    await wp.request("POST", f"/documents/{document['id']}/signers", json={"name": "Jane", "email": "jane@example.com"})
    refused = await wp.request("POST", f"/documents/{document['id']}/send")
    assert_wp_error(refused, 400, "no_fields")


async def test_file_gives_a_working_short_lived_download_url(
    wp: WpClient, wp_gateway: WpGateway, http: aiohttp.ClientSession
) -> None:
    created = await create_document(wp, wp_gateway, "Downloadable", filename="nda.pdf")
    reply = await wp.request("GET", f"/documents/{created['id']}/file")
    assert reply.status == 200 and list(reply.body) == ["url", "filename", "type"]
    assert reply.body["filename"] == "nda.pdf" and reply.body["type"] == "application/pdf"
    assert "X-Amz-Expires=300" in reply.body["url"]
    async with http.get(reply.body["url"]) as resp:
        assert resp.status == 200
        pdf = await resp.read()
    assert pdf.startswith(b"%PDF")
    detail = (await wp.request("GET", f"/documents/{created['id']}")).body
    assert hashlib.sha256(pdf).hexdigest() == detail["file_hash"]


async def test_audit_trail_uses_wpsigner_action_names(wp: WpClient, wp_gateway: WpGateway, db: asyncpg.Pool) -> None:
    document_id, _ = await prepared_document(wp, wp_gateway, "Audited")
    await wp.request("POST", f"/documents/{document_id}/send")
    core_id = await db.fetchval("SELECT id FROM documents.documents WHERE number = $1", int(document_id))
    await wait_for_audit(db, core_id, "document.sent")
    reply = await wp.request("GET", f"/documents/{document_id}/audit")
    assert reply.status == 200 and list(reply.body) == ["document", "events"]
    assert reply.body["document"]["id"] == document_id and reply.body["document"]["title"] == "Audited"
    assert re.match(r"^[0-9a-f]{64}$", reply.body["document"]["file_hash"])
    actions = [e["action"] for e in reply.body["events"]]
    assert actions[0] == "document_created" and "document_sent" in actions and "signer_added" in actions
    created = reply.body["events"][0]
    assert list(created) == ["action", "timestamp", "ip_address", "user_agent"]
    assert TIMESTAMP.match(created["timestamp"]) and created["ip_address"] == "127.0.0.1"
    assert created["user_agent"] == wp.user_agent


async def wait_for_audit(db: asyncpg.Pool, document_id: str, action: str, count: int = 1) -> None:
    for _ in range(200):
        found = await db.fetchval(
            "SELECT count(*) FROM audit.entries WHERE document_id = $1 AND action = $2", document_id, action
        )
        if found >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {action} in the audit trail of {document_id}")


async def test_delete_is_permanent_and_the_audit_trail_keeps_a_record(
    wp: WpClient, wp_gateway: WpGateway, db: asyncpg.Pool, system: System
) -> None:
    from tests.file_uploads import s3_keys

    document_id, _ = await prepared_document(wp, wp_gateway, "To delete")
    core = await db.fetchrow("SELECT id, org_id FROM documents.documents WHERE number = $1", int(document_id))
    prefix = f"documents/{core['org_id']}/{core['id']}/"
    assert s3_keys(system.settings, prefix)  # the upload and its verified copy
    reply = await wp.request("DELETE", f"/documents/{document_id}")
    assert reply.status == 200 and reply.body == {"deleted": True}
    for table in ("documents", "signers", "fields"):
        column = "id" if table == "documents" else "document_id"
        assert await db.fetchval(f"SELECT count(*) FROM documents.{table} WHERE {column} = $1", core["id"]) == 0
    assert s3_keys(system.settings, prefix) == []
    assert_wp_error(await wp.request("GET", f"/documents/{document_id}"), 404, "not_found")
    assert_wp_error(await wp.request("DELETE", f"/documents/{document_id}"), 404, "not_found")
    await wait_for_audit(db, core["id"], "document.deleted")
    entry = await db.fetchrow(
        "SELECT details, actor_id FROM audit.entries WHERE document_id = $1 AND action = 'document.deleted'", core["id"]
    )
    assert "To delete" in entry["details"] and entry["actor_id"] == wp.key_id


async def test_delete_refused_while_out_for_signature(wp: WpClient, wp_gateway: WpGateway) -> None:
    document_id, _ = await prepared_document(wp, wp_gateway)
    await wp.request("POST", f"/documents/{document_id}/send")
    refused = await wp.request("DELETE", f"/documents/{document_id}")
    assert_wp_error(refused, 409, "cannot_delete")
    assert (await wp.request("GET", f"/documents/{document_id}")).status == 200


async def test_signers_and_fields_apis(wp: WpClient, wp_gateway: WpGateway) -> None:
    document = await create_document(wp, wp_gateway)
    path = f"/documents/{document['id']}"
    first = await wp.request("POST", path + "/signers", json={"name": "John Doe", "email": "john@example.com"})
    assert first.status == 201 and list(first.body) == SIGNER_KEYS
    assert first.body["signing_order"] == "1" and first.body["role"] == "signer" and first.body["signing_url"] == ""
    # WordPress clients often send form-encoded bodies with string values.
    second = await wp.request(
        "POST",
        path + "/signers",
        data={"name": "Jane Smith", "email": "jane@example.com", "role": "signer", "signing_order": "2"},
    )
    assert second.status == 201 and second.body["signing_order"] == "2"
    duplicate = await wp.request("POST", path + "/signers", json={"name": "Again", "email": "JOHN@example.com"})
    assert_wp_error(duplicate, 409, "signer_exists")
    invalid = await wp.request("POST", path + "/signers", json={"name": "No Email", "email": "not-an-email"})
    assert_wp_error(invalid, 400, "rest_invalid_param")
    assert "email" in invalid.body["data"]["params"]
    missing = await wp.request("POST", path + "/signers", json={"email": "x@example.com"})
    assert_wp_error(missing, 400, "rest_missing_callback_param")
    assert missing.body["data"]["params"] == ["name"]

    listed = await wp.request("GET", path + "/signers")
    assert [s["name"] for s in listed.body] == ["John Doe", "Jane Smith"]

    added = await wp.request("POST", path + "/fields", json=signature_field(second.body["id"], y=276.9))
    assert added.status == 201 and list(added.body) == FIELD_KEYS
    assert added.body["signer_id"] == second.body["id"] and added.body["position_y"] == "276.9"
    date = await wp.request(
        "POST",
        path + "/fields",
        json={
            "signer_id": second.body["id"],
            "field_type": "date",
            "page_number": "1",
            "position_x": "300.0",
            "position_y": "337.4",
            "width": "100",
            "height": "30",
            "is_required": "1",
        },
    )
    assert date.status == 201 and date.body["field_type"] == "date"
    dropdown = await wp.request(
        "POST",
        path + "/fields",
        json={
            "signer_id": first.body["id"],
            "field_type": "dropdown",
            "page_number": 1,
            "position_x": 72,
            "position_y": 100,
            "width": 150,
            "height": 30,
            "options": "Monthly\nYearly",
            "field_name": "Plan",
        },
    )
    assert dropdown.status == 201 and dropdown.body["options"] == '["Monthly","Yearly"]'
    assert dropdown.body["field_name"] == "Plan"
    off_page = await wp.request("POST", path + "/fields", json=signature_field(first.body["id"]) | {"page_number": 0})
    assert_wp_error(off_page, 400, "rest_invalid_param")
    assert "page_number" in off_page.body["data"]["params"]
    stranger = await wp.request("POST", path + "/fields", json=signature_field("999999999"))
    assert_wp_error(stranger, 400, "rest_invalid_param")

    fields = await wp.request("GET", path + "/fields")
    assert fields.status == 200 and [f["field_type"] for f in fields.body] == ["dropdown", "signature", "date"]
    assert all(list(f) == FIELD_KEYS for f in fields.body)


async def test_the_same_document_in_both_apis(
    wp: WpClient, wp_gateway: WpGateway, db: asyncpg.Pool, http: aiohttp.ClientSession, system: System
) -> None:
    created = await create_document(wp, wp_gateway, "Shared")
    async with db.acquire() as conn:
        key = await credentials.create_insigner_key(conn, wp.org_name, ["*"], "inSigner key")
    insigner = Api(http, system.gateway_url, key.api_key, key.org_id)
    status, body, _ = await insigner.request("GET", "/api/v1/documents")
    assert status == 200 and [d["name"] for d in body["data"]] == ["Shared"]
    core_id = body["data"][0]["id"]
    assert await db.fetchval("SELECT number FROM documents.documents WHERE id = $1", core_id) == int(created["id"])


async def test_ids_of_another_organisation_are_not_found(make_wp, wp_gateway: WpGateway) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = await make_wp(), await make_wp()
    document = await create_document(theirs, wp_gateway)
    for method, path in (
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("POST", "/send"),
        ("GET", "/file"),
        ("GET", "/audit"),
        ("GET", "/signers"),
        ("GET", "/fields"),
    ):
        reply = await mine.request(
            method, f"/documents/{document['id']}{path}", json={"title": "x"} if method == "PUT" else None
        )
        assert_wp_error(reply, 404, "not_found")
        assert reply.body["message"] == "Document not found."
    for bad in ("abc", "0", "01x", "99999999999999999999"):
        assert_wp_error(await mine.request("GET", f"/documents/{bad}"), 404, "not_found")
