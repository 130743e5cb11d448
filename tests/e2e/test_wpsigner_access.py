"""Who may do what on the WPsigner API, and the WordPress error shape of every refusal.

- credentials: X-WPS-API-Key + X-WPS-API-Secret, 401 `rest_forbidden` otherwise (a revoked key,
  a wrong secret, an inSigner key);
- Read Only credentials: GET only, anything else 403 `rest_forbidden`;
- non-admin credentials (a member's, not the organisation's owner/admin): only the documents
  their member created, 403 `forbidden` "Permission denied." on another member's, as the seed
  says; admin credentials: the organisation's;
- no route, wrong method, bad JSON, too large a body: WordPress errors, not problem+json.
"""

from __future__ import annotations

import asyncpg
import pytest

from services.gateway import credentials
from tests.e2e.test_wpsigner_api import (  # noqa: F401  (fixtures)
    WpClient,
    WpGateway,
    assert_wp_error,
    create_document,
    make_wp,
    prepared_document,
    wp,
)

pytestmark = pytest.mark.e2e


async def test_missing_wrong_and_revoked_credentials_are_401(wp: WpClient, db: asyncpg.Pool) -> None:
    nobody = wp.as_key("", "")
    missing = await nobody.request("GET", "/documents")
    assert_wp_error(missing, 401, "rest_forbidden")
    wrong = await wp.as_key(wp.key, wp.secret + "x").request("GET", "/documents")
    assert_wp_error(wrong, 401, "rest_forbidden")
    assert wrong.body["message"] == "Invalid API key or secret."
    swapped = await wp.as_key(wp.secret, wp.key).request("GET", "/documents")
    assert_wp_error(swapped, 401, "rest_forbidden")
    assert "X-RateLimit-Limit" not in wrong.headers  # nothing is counted against a key it did not prove

    async with db.acquire() as conn:
        insigner = await credentials.create_insigner_key(conn, wp.org_name, ["*"], "inSigner")
    as_insigner = await wp.as_key(insigner.api_key, wp.secret).request("GET", "/documents")
    assert_wp_error(as_insigner, 401, "rest_forbidden")

    assert (await wp.request("GET", "/documents")).status == 200
    async with db.acquire() as conn:
        await credentials.revoke_key(conn, wp.key_id)
    assert_wp_error(await wp.request("GET", "/documents"), 401, "rest_forbidden")


async def test_read_only_credentials_may_only_read(make_wp, wp_gateway: WpGateway) -> None:  # type: ignore[no-untyped-def]
    full = await make_wp()
    document_id, _ = await prepared_document(full, wp_gateway)
    reader = await make_wp(org=full.org_name, read_only=True)
    assert (await reader.request("GET", "/documents")).status == 200
    assert (await reader.request("GET", f"/documents/{document_id}")).status == 200
    assert (await reader.request("GET", f"/documents/{document_id}/audit")).status == 200
    for method, path, body in (
        ("POST", "/documents", {"title": "x", "file_path": "x.pdf"}),
        ("PUT", f"/documents/{document_id}", {"title": "Renamed"}),
        ("DELETE", f"/documents/{document_id}", None),
        ("POST", f"/documents/{document_id}/send", None),
        ("POST", f"/documents/{document_id}/signers", {"name": "A", "email": "a@example.com"}),
        ("POST", f"/documents/{document_id}/fields", {"field_type": "signature"}),
    ):
        reply = await reader.request(method, path, json=body)
        assert_wp_error(reply, 403, "rest_forbidden")
        assert reply.headers["X-RateLimit-Limit"] == "1000"
    detail = (await full.request("GET", f"/documents/{document_id}")).body
    assert detail["status"] == "draft" and detail["title"] == "Employment Contract" and len(detail["signers"]) == 1


async def test_non_admin_credentials_see_only_their_members_documents(
    make_wp,
    wp_gateway: WpGateway,  # type: ignore[no-untyped-def]
    db: asyncpg.Pool,
) -> None:
    admin = await make_wp()
    alice = await make_wp(org=admin.org_name, member_email="alice@example.com")
    alice_again = await make_wp(org=admin.org_name, member_email="Alice@Example.com")  # same member, second key
    bob = await make_wp(org=admin.org_name, member_email="bob@example.com")
    roles = await db.fetch("SELECT email, role FROM gateway.members WHERE org_id = $1 ORDER BY email", admin.org_id)
    assert sorted((r["email"], r["role"]) for r in roles)[1:] == [
        ("alice@example.com", "member"),
        ("bob@example.com", "member"),
    ]
    assert roles[0]["role"] == "owner"

    admins = await create_document(admin, wp_gateway, "Admin's")
    alices = await create_document(alice, wp_gateway, "Alice's")
    bobs = await create_document(bob, wp_gateway, "Bob's")

    async def titles(client: WpClient) -> tuple[list[str], str]:
        reply = await client.request("GET", "/documents")
        return sorted(d["title"] for d in reply.body), reply.headers["X-WP-Total"]

    assert await titles(admin) == (["Admin's", "Alice's", "Bob's"], "3")
    assert await titles(alice) == (["Alice's"], "1")
    assert await titles(alice_again) == (["Alice's"], "1")  # ownership is the member's, not the key's
    assert await titles(bob) == (["Bob's"], "1")

    assert (await alice_again.request("GET", f"/documents/{alices['id']}")).status == 200
    assert (await admin.request("GET", f"/documents/{bobs['id']}")).status == 200
    for document in (admins, bobs):
        for method, path in (
            ("GET", ""),
            ("PUT", ""),
            ("DELETE", ""),
            ("POST", "/send"),
            ("GET", "/file"),
            ("GET", "/audit"),
            ("GET", "/signers"),
            ("POST", "/signers"),
            ("GET", "/fields"),
        ):
            reply = await alice.request(
                method,
                f"/documents/{document['id']}{path}",
                json={"title": "Mine now", "name": "X", "email": "x@example.com"} if method != "GET" else None,
            )
            assert_wp_error(reply, 403, "forbidden")
            assert reply.body["message"] == "Permission denied."
    assert (await admin.request("GET", f"/documents/{admins['id']}")).body["title"] == "Admin's"


async def test_no_route_and_wrong_method_are_wordpress_errors(wp: WpClient) -> None:
    no_route = await wp.request("GET", "/templates")
    assert_wp_error(no_route, 404, "rest_no_route")
    nested = await wp.request("GET", "/documents/1/signers/2/extra")
    assert_wp_error(nested, 404, "rest_no_route")
    wrong_method = await wp.request("DELETE", "/documents")
    assert_wp_error(wrong_method, 405, "rest_no_route")
    assert "GET" in wrong_method.headers["Allow"]
    # Unknown routes answer the same without credentials, as WordPress routes before auth.
    assert_wp_error(await wp.as_key("", "").request("GET", "/nothing-here"), 404, "rest_no_route")
    # A trailing slash names the same route; HEAD answers where GET does (but the file route,
    # whose GET hands out a download URL and is audited).
    assert (await wp.request("GET", "/documents/")).status == 200
    head = await wp.request("HEAD", "/documents")
    assert head.status == 200 and head.headers["X-WP-Total"] == "0"
    assert_wp_error(await wp.request("GET", "/documents/1/file/extra"), 404, "rest_no_route")


async def test_bad_bodies_are_wordpress_errors(wp: WpClient, wp_gateway: WpGateway) -> None:
    document_id, _ = await prepared_document(wp, wp_gateway)
    broken = await wp.request(
        "PUT", f"/documents/{document_id}", data=b'{"title": ', headers={"Content-Type": "application/json"}
    )
    assert_wp_error(broken, 400, "rest_invalid_json")
    not_object = await wp.request(
        "POST", f"/documents/{document_id}/signers", data=b"[1, 2]", headers={"Content-Type": "application/json"}
    )
    assert_wp_error(not_object, 400, "rest_invalid_json")
    huge = await wp.request(
        "POST",
        f"/documents/{document_id}/signers",
        data=b'{"name": "' + b"x" * 2_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_wp_error(huge, 413, "rest_payload_too_large")
    nul = await wp.request(
        "POST", f"/documents/{document_id}/signers", json={"name": "A\u0000B", "email": "a@example.com"}
    )
    assert_wp_error(nul, 400, "rest_invalid_param")
    assert list(nul.body["data"]["params"]) == ["name"]


async def test_every_error_is_json_never_problem_json(wp: WpClient) -> None:
    for method, path in (("GET", "/documents/1"), ("GET", "/x"), ("PATCH", "/documents"), ("POST", "/documents")):
        reply = await wp.request(method, path, json={})
        assert reply.status >= 400
        assert "problem" not in reply.headers["Content-Type"]
        assert set(reply.body) == {"code", "message", "data"}


async def test_the_insigner_api_is_untouched(wp: WpClient, wp_gateway: WpGateway) -> None:
    async with wp.http.get(wp_gateway.url + "/api/v1/documents") as resp:
        assert resp.status == 401 and resp.headers["Content-Type"] == "application/problem+json"
    async with wp.http.get(wp_gateway.url + "/other/path") as resp:
        assert resp.status == 404 and resp.headers["Content-Type"] == "application/problem+json"
