"""HTTP-level hygiene through the gateway: JSON bodies need a JSON content type (415), over-long
request targets and headers are 414 / 431 problems, and query and body validation say what the
OpenAPI document says (`limit=` is 400; `name: null` is refused and not offered by the spec)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import orjson
import pytest

from tests.conftest import Api
from tests.e2e.test_documents_api import D, create_document, org_writes
from tests.e2e.test_gateway import assert_problem
from tests.harness import System

pytestmark = pytest.mark.e2e


# --- 415 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
async def test_a_body_without_a_json_content_type_is_415_and_creates_nothing(
    api: Api, db: asyncpg.Pool, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
    status, body, resp = await api.request("POST", D, data=b'{"name": "NDA"}', headers=headers)
    assert_problem(status, body, resp, 415, "unsupported-media-type")
    assert await org_writes(db, api.org_id) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON; charset=UTF-8",
        "application/merge-patch+json",
        "application/json;charset=utf8",
    ],
)
async def test_json_content_types_with_or_without_charset_are_read(api: Api, content_type: str) -> None:
    status, body, _ = await api.request("POST", D, data=b'{"name": "NDA"}', headers={"Content-Type": content_type})
    assert status == 201, body


async def test_a_patch_with_a_form_body_changes_nothing(api: Api) -> None:
    document = await create_document(api, "NDA")
    status, body, resp = await api.request("PATCH", f"{D}/{document['id']}", data={"name": "Changed"})
    assert_problem(status, body, resp, 415, "unsupported-media-type")
    assert (await api.request("GET", f"{D}/{document['id']}"))[1]["data"]["name"] == "NDA"


async def test_an_empty_body_needs_no_content_type(api: Api) -> None:
    # POST /send and the other bodiless commands: no body at all is the normal call.
    document = await create_document(api, "NDA")
    status, body, _ = await api.request("POST", f"{D}/{document['id']}/send", data=b"", headers={"Content-Type": ""})
    assert status != 415 and status == 422, body  # refused for having no file, not for the missing body


# --- 414 / 431 --------------------------------------------------------------------------------


async def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (a client library would refuse to build such requests)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request)
        await writer.drain()
        head, _, rest = (await reader.read(-1)).partition(b"\r\n\r\n")  # the server closes after an error
    finally:
        writer.close()
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, rest


@pytest.mark.parametrize(
    ("request_bytes", "status", "slug"),
    [
        (b"GET /api/v1/documents/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long"),
        (b"GET /api/v1/documents?search=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long"),
        (
            b"GET /api/v1/documents HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n",
            431,
            "request-header-fields-too-large",
        ),
        (
            b"GET /sign/abc HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 20_000 + b"\r\n\r\n",
            431,
            "request-header-fields-too-large",
        ),
    ],
)
async def test_over_long_request_lines_and_headers_are_problems(
    system: System, request_bytes: bytes, status: int, slug: str
) -> None:
    got, headers, body = await _raw(system.gateway_url, request_bytes)
    assert got == status
    assert headers["Content-Type"].startswith("application/problem+json")
    assert headers.get("X-Request-Id")
    problem = orjson.loads(body)
    assert problem["status"] == status and problem["type"] == f"https://docs.insigner.com/errors/{slug}"


async def test_a_request_within_the_limits_still_works(api: Api) -> None:
    status, _, _ = await api.request("GET", D, headers={"X-Padding": "p" * 7_000}, params={"search": "s" * 150})
    assert status == 200


async def test_the_limits_are_settings(system: System, http: aiohttp.ClientSession) -> None:
    import socket

    from services.gateway.app import create_app
    from tests.harness import serve

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    small = await serve(
        "gateway-small",
        create_app(system.settings.model_copy(update={"max_request_line_bytes": 512, "max_header_bytes": 512})),
        sock,
    )
    try:
        got, _, _ = await _raw(small.url, b"GET /api/v1/" + b"a" * 1_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert got == 414
        got, _, _ = await _raw(small.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 1_000 + b"\r\n\r\n")
        assert got == 431
        async with http.get(small.url + "/healthz", headers={"X-A": "a" * 400}) as resp:
            assert resp.status == 200
    finally:
        await small.runner.cleanup()


# --- query and body validation agree with the spec --------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": ""},
        {"limit": " 5"},
        {"limit": "+5"},
        {"limit": "1_0"},
        {"limit": "\u0665"},
        {"cursor": ""},
        {"status": ""},
        {"status": "Draft"},
    ],
)
async def test_query_values_the_spec_does_not_allow_are_400(api: Api, params: dict[str, str]) -> None:
    status, body, resp = await api.request("GET", D, params=params)
    assert_problem(status, body, resp, 400)
    assert [e["field"] for e in body["errors"]] == list(params)


async def test_webhook_and_audit_lists_refuse_an_empty_limit_too(api: Api) -> None:
    document = await create_document(api, "NDA")
    for path in ("/api/v1/webhooks", f"{D}/{document['id']}/audit"):
        status, body, resp = await api.request("GET", path, params={"limit": ""})
        assert_problem(status, body, resp, 400)


def _property(spec: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][model]["properties"][name]


async def test_null_for_a_required_property_is_refused_and_not_in_the_spec(api: Api, spec: dict[str, Any]) -> None:
    document = await create_document(api, "NDA")
    for name in ("name", "signingType"):
        status, body, resp = await api.request("PATCH", f"{D}/{document['id']}", json={name: None})
        assert_problem(status, body, resp, 422)
        assert [e["field"] for e in body["errors"]] == [name]
        assert "null" not in orjson.dumps(_property(spec, "DocumentUpdate", name)).decode()
    assert (await api.request("GET", f"{D}/{document['id']}"))[1]["data"]["name"] == "NDA"
    # Optional properties may be cleared, as the spec says.
    assert {"type": "null"} in _property(spec, "DocumentUpdate", "message")["anyOf"]
    status, body, _ = await api.request("PATCH", f"{D}/{document['id']}", json={"message": None})
    assert status == 200 and body["data"]["message"] is None
    for model, name in (("SignerUpdate", "email"), ("FieldUpdate", "page"), ("WebhookUpdate", "url")):
        assert "null" not in orjson.dumps(_property(spec, model, name)).decode(), (model, name)


async def test_the_spec_documents_415_and_the_text_patterns(spec: dict[str, Any]) -> None:
    assert "415" in spec["paths"][D]["post"]["responses"]
    assert "415" not in spec["paths"][D]["get"]["responses"]
    assert "pattern" in _property(spec, "DocumentCreate", "name")
    limit = next(p for p in spec["paths"][D]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["type"] == "integer"
