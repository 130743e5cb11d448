"""The audit trail end to end: requests through the gateway become events, the audit service
records them with the client's IP, user agent and location, and serves them per document.

A second gateway trusts 127.0.0.1 as a proxy, so a test can present a public client address in
X-Forwarded-For the way a load balancer would.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from services.gateway.app import create_app as gateway_app
from shared.contracts.audit import AuditTrail
from tests.conftest import Api
from tests.harness import _listening_socket, serve

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 20
ENTRY_KEYS = {
    "id",
    "action",
    "details",
    "ipAddress",
    "userAgent",
    "geoCity",
    "geoCountry",
    "createdAt",
    "position",
    "prevHash",
    "hash",
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
async def proxied_gateway_url(system) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    settings = system.settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    gateway = await serve("gateway-behind-proxy", gateway_app(settings), _listening_socket())
    yield gateway.url
    await gateway.runner.cleanup()


async def eventually(probe: Callable[[], Awaitable[Any]], what: str) -> Any:
    for _ in range(WAIT_SECONDS * 10):
        result = await probe()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def create_document(api: Api, name: str, headers: dict[str, str] | None = None) -> str:
    status, body, _ = await api.request("POST", "/api/v1/documents", json={"name": name}, headers=headers)
    assert status == 201, body
    return body["data"]["id"]


async def audit_entries(api: Api, doc: str, count: int) -> list[dict[str, Any]]:
    """Waits until the document's trail has at least `count` entries; returns them all."""

    async def probe() -> list[dict[str, Any]] | None:
        status, body, _ = await api.request("GET", f"/api/v1/documents/{doc}/audit", params={"limit": 100})
        assert status == 200, body
        return body["data"] if len(body["data"]) >= count else None

    return await eventually(probe, f"{count} audit entries of {doc}")


async def test_created_document_is_audited_with_client_ip_and_location(api: Api, proxied_gateway_url: str):
    behind_proxy = Api(api.session, proxied_gateway_url, api.key, api.org_id)
    name = f"NDA - Acme Corp {uuid.uuid4().hex[:6]}"
    doc = await create_document(behind_proxy, name, {"X-Forwarded-For": "203.0.113.42", "User-Agent": "curl/8.4.0"})

    [entry] = await audit_entries(api, doc, 1)
    assert set(entry) == ENTRY_KEYS
    assert entry["id"].startswith("log_")
    assert entry["action"] == "document.created"
    assert entry["details"] == f'API: Created document "{name}"'
    assert entry["ipAddress"] == "203.0.113.42"
    assert entry["userAgent"] == "curl/8.4.0"
    assert (entry["geoCity"], entry["geoCountry"]) == ("Bogotá", "CO")
    assert TIMESTAMP.match(entry["createdAt"]), entry["createdAt"]

    status, body, _ = await api.request("GET", f"/api/v1/documents/{doc}/audit")
    assert status == 200
    assert AuditTrail.model_validate(body).meta.model_dump() == {"count": 1, "hasMore": False, "nextCursor": None}


async def test_a_spoofed_forwarded_for_is_not_recorded(api: Api):
    # The system's own gateway trusts no proxy: the socket address is the client's.
    doc = await create_document(api, "Direct client", {"X-Forwarded-For": "203.0.113.42"})
    [entry] = await audit_entries(api, doc, 1)
    assert entry["ipAddress"] == "127.0.0.1"
    assert (entry["geoCity"], entry["geoCountry"]) == (None, None)


async def test_other_organisations_and_missing_documents_get_the_same_404(api: Api, make_api):  # type: ignore[no-untyped-def]
    doc = await create_document(api, "Private contract")
    await audit_entries(api, doc, 1)
    stranger = await make_api()

    status, foreign, resp = await stranger.request("GET", f"/api/v1/documents/{doc}/audit")
    assert status == 404, foreign
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    status, missing, _ = await stranger.request("GET", "/api/v1/documents/cdoesnotexist0000000000000/audit")
    assert status == 404
    assert {k: foreign[k] for k in ("type", "title", "status", "detail")} == {
        k: missing[k] for k in ("type", "title", "status", "detail")
    }


async def test_deleted_document_has_no_visible_trail(api: Api):
    doc = await create_document(api, "Soon deleted")
    await audit_entries(api, doc, 1)
    status, body, _ = await api.request("DELETE", f"/api/v1/documents/{doc}")
    assert status == 204, body
    status, body, _ = await api.request("GET", f"/api/v1/documents/{doc}/audit")
    assert status == 404, body


async def test_pagination_walks_every_entry_oldest_first(api: Api):
    doc = await create_document(api, "Paged trail")
    for change in ({"message": "Please sign"}, {"name": "Paged trail v2"}):
        status, body, _ = await api.request("PATCH", f"/api/v1/documents/{doc}", json=change)
        assert status == 200, body
    for signer in ({"name": "Jane Smith", "email": "jane@acme.com"}, {"name": "John Doe", "email": "john@acme.com"}):
        status, body, _ = await api.request("POST", f"/api/v1/documents/{doc}/signers", json=signer)
        assert status == 201, body
    everything = await audit_entries(api, doc, 5)
    assert len(everything) == 5
    assert everything[0]["action"] == "document.created"
    assert sorted(e["action"] for e in everything[1:]) == [
        "document.updated",
        "document.updated",
        "signer.added",
        "signer.added",
    ]
    details = {e["details"] for e in everything}
    assert {
        "API: Updated document (message)",
        "API: Updated document (name)",
        "API: Added signer Jane Smith (jane@acme.com)",
    } <= details
    assert [e["createdAt"] for e in everything] == sorted(e["createdAt"] for e in everything)

    walked: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        status, body, _ = await api.request("GET", f"/api/v1/documents/{doc}/audit", params=params)
        assert status == 200, body
        assert body["meta"]["count"] == len(body["data"]) == 1
        walked.extend(body["data"])
        cursor = body["meta"]["nextCursor"]
        assert body["meta"]["hasMore"] == (cursor is not None)
        if cursor is None:
            break
        assert len(walked) < 10, "pagination does not terminate"
    assert [e["id"] for e in walked] == [e["id"] for e in everything]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "not-a-cursor"}])
async def test_invalid_page_parameters_are_a_400_problem(api: Api, params: dict[str, Any]):
    doc = await create_document(api, "Bad query")
    status, body, resp = await api.request("GET", f"/api/v1/documents/{doc}/audit", params=params)
    assert status == 400, body
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert body["status"] == 400 and body["errors"]
