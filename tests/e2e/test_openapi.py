"""The OpenAPI document describes the API that is actually served, and /docs renders it locally.

(a) every /api/v1 route of the gateway's router is in the spec with its method and scope, and
    nothing else is; (b) real responses, driven through the gateway, validate against the spec's
    schema for their operation and status (Draft 2020-12, $refs resolved inside the spec, and
    no undocumented properties); (c) /docs loads only local assets under a strict CSP.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from services.gateway.routes import ROUTES
from shared.contracts.routes import OPERATIONS
from tests.conftest import Api
from tests.harness import System
from tests.spec_check import SPEC_PATH, Driver

pytestmark = pytest.mark.e2e

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def spec_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in METHODS}


def router_operations(system: System) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for route in system.services["gateway"].app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        # aiohttp adds HEAD beside every GET; the API documents GET only.
        if path and path.startswith("/api/v1/") and route.method not in ("HEAD", "*"):
            out.add((route.method, path))
    return out


# --- (a) the spec lists exactly the served routes ------------------------------------------


def test_spec_is_a_valid_openapi_31_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(spec).validate()


def test_every_served_route_is_described_and_nothing_else(spec: dict[str, Any], system: System) -> None:
    served, described = router_operations(system), spec_operations(spec)
    assert served - described == set(), "routes missing from the OpenAPI document"
    assert described - served == set(), "operations in the OpenAPI document that no route serves"
    for route in ROUTES:
        assert (route.method, route.path) in described


def test_scopes_and_security_follow_the_route_tables(spec: dict[str, Any]) -> None:
    gateway_scopes = {op.key: op.scope for op in OPERATIONS if op.service == "gateway" and op.path != SPEC_PATH}
    expected = {(r.method, r.path): r.scope for r in ROUTES} | gateway_scopes
    for (method, path), scope in expected.items():
        op = spec["paths"][path][method.lower()]
        assert op.get("x-required-scope") == scope
        if scope is None:  # signer-facing: the signing token in the path is the credential
            assert op["security"] == []
            continue
        assert op["security"] == [{"bearerAuth": [scope]}]
        assert {"401", "403"} <= set(op["responses"])
    assert spec["paths"][SPEC_PATH]["get"]["security"] == []
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_operation_has_its_schemas(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert not op.get("x-undescribed"), f"{method.upper()} {path}: no schemas module describes it"
            success = [s for s in op["responses"] if s.startswith("2")]
            assert len(success) == 1, (method, path, success)
            response = op["responses"][success[0]]
            assert ("content" in response) == (success[0] != "204"), (method, path)
            if method in ("post", "patch", "put") and path != SPEC_PATH:
                assert "requestBody" in op, f"{method.upper()} {path} has no request body schema"


def test_servers_point_at_the_public_url(spec: dict[str, Any], system: System) -> None:
    assert spec["servers"] == [{"url": system.settings.public_url}]


async def test_spec_is_cached_and_revalidates(system: System, http: aiohttp.ClientSession) -> None:
    async with http.get(system.gateway_url + SPEC_PATH) as first:
        etag, body = first.headers["ETag"], await first.read()
    async with http.get(system.gateway_url + SPEC_PATH) as second:
        assert await second.read() == body
    async with http.get(system.gateway_url + SPEC_PATH, headers={"If-None-Match": etag}) as cached:
        assert cached.status == 304


# --- (b) real responses match the spec -------------------------------------------------------


D = "/api/v1/documents"


def _future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _wait_for_audit(call: Driver, api: Api, doc_id: str, at_least: int) -> dict[str, Any]:
    """Audit entries arrive by event; wait (bounded) until the expected ones are recorded."""
    body: dict[str, Any] = {}
    for _ in range(100):
        body = await call(api, "GET", D + "/{id}/audit", 200, id=doc_id)
        if len(body["data"]) >= at_least:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"audit trail still has {len(body.get('data', []))} entries, wanted {at_least}")


async def _happy_path(call: Driver, api: Api) -> str:
    created = await call(
        api,
        "POST",
        D,
        201,
        json={
            "name": "NDA - Acme Corp",
            "signingType": "parallel",
            "message": "Please review and sign this NDA.",
            "expiresAt": _future(),
        },
    )
    doc_id = created["data"]["id"]
    await call(api, "POST", D, 201, json={"name": "Second document"})

    signer = await call(
        api,
        "POST",
        D + "/{id}/signers",
        201,
        id=doc_id,
        json={"email": "maria@example.com", "name": "María García", "role": "signer", "order": 0},
    )
    signer_id = signer["data"]["id"]
    await call(
        api,
        "POST",
        D + "/{id}/signers",
        201,
        id=doc_id,
        json={"email": "viewer@example.com", "name": "Viewer", "role": "viewer"},
    )
    field = await call(
        api,
        "POST",
        D + "/{id}/fields",
        201,
        id=doc_id,
        json={
            "type": "signature",
            "label": "Client Signature",
            "page": 1,
            "x": 100,
            "y": 650,
            "width": 200,
            "height": 60,
            "assignedTo": 0,
        },
    )
    field_id = field["data"]["id"]
    await call(
        api,
        "POST",
        D + "/{id}/fields",
        201,
        id=doc_id,
        json={
            "type": "dropdown",
            "page": 1,
            "x": 72.5,
            "y": 100,
            "width": 150,
            "height": 20,
            "options": ["Yes", "No"],
            "defaultValue": "Yes",
        },
    )

    page = await call(api, "GET", D, 200, params={"limit": 1})
    assert page["meta"]["hasMore"] is True
    await call(api, "GET", D, 200, params={"limit": 1, "cursor": page["meta"]["nextCursor"]})
    found = await call(api, "GET", D, 200, params={"status": "draft", "search": "acme"})
    assert [d["id"] for d in found["data"]] == [doc_id]

    await call(api, "GET", D + "/{id}", 200, id=doc_id)
    await call(api, "PATCH", D + "/{id}", 200, id=doc_id, json={"name": "NDA - Acme Corp (v2)", "reminderFrequency": 3})
    await call(api, "GET", D + "/{id}/signers", 200, id=doc_id)
    await call(
        api, "PATCH", D + "/{id}/signers/{signerId}", 200, id=doc_id, signerId=signer_id, json={"name": "María G."}
    )
    await call(api, "GET", D + "/{id}/fields", 200, id=doc_id)
    await call(
        api,
        "PATCH",
        D + "/{id}/fields/{fieldId}",
        200,
        id=doc_id,
        fieldId=field_id,
        json={"x": 120.5, "required": False},
    )
    await _wait_for_audit(call, api, doc_id, at_least=7)
    await call(api, "GET", D + "/{id}/audit", 200, id=doc_id, params={"limit": 2})

    await call(api, "GET", "/api/v1/org", 200)
    await call(api, "GET", "/api/v1/org/members", 200)
    await call(Api(api.session, api.base_url, None), "GET", SPEC_PATH, 200)

    await call(api, "DELETE", D + "/{id}/fields/{fieldId}", 204, id=doc_id, fieldId=field_id)
    await call(api, "DELETE", D + "/{id}/signers/{signerId}", 204, id=doc_id, signerId=signer_id)
    return doc_id


async def _error_cases(call: Driver, api: Api, make_api: Any, db: asyncpg.Pool) -> None:
    anonymous = Api(api.session, api.base_url, None)
    await call(anonymous, "GET", D, 401)
    await call(anonymous, "GET", "/api/v1/org", 401)
    await call(api, "GET", D, 401, headers={"Authorization": "Bearer not-a-key"})
    read_only = await make_api(scopes=["documents.read"])
    await call(read_only, "POST", D, 403, json={"name": "x"})
    await call(read_only, "GET", "/api/v1/org/members", 403)
    no_docs = await make_api(scopes=["org.read"])
    await call(no_docs, "GET", D + "/{id}/audit", 403, id="cmissing")

    await call(api, "POST", D, 400, data=b'{"name": ', headers={"Content-Type": "application/json"})
    await call(api, "POST", D, 400, json=["not", "an", "object"])
    await call(api, "POST", D, 422, json={"name": "", "signingType": "diagonal"})
    await call(
        api, "POST", D, 413, data=b'{"name": "' + b"x" * 2_000_000 + b'"}', headers={"Content-Type": "application/json"}
    )
    await call(api, "GET", D, 400, params={"limit": 0})
    await call(api, "GET", D, 400, params={"cursor": "definitely-not-a-cursor"})
    await call(api, "GET", D, (400, 422), params={"status": "bogus"})

    await call(api, "GET", D + "/{id}", 404, id="cmissingdocument00000000000")
    await call(api, "PATCH", D + "/{id}", 404, id="cmissingdocument00000000000", json={"name": "x"})
    await call(api, "GET", D + "/{id}/audit", 404, id="cmissingdocument00000000000")

    doc = await call(api, "POST", D, 201, json={"name": "Validation target"})
    doc_id = doc["data"]["id"]
    await call(api, "GET", D + "/{id}/audit", 400, id=doc_id, params={"limit": 1000})
    await call(api, "POST", D + "/{id}/signers", 422, id=doc_id, json={"email": "not-an-email", "name": "X"})
    await call(
        api,
        "POST",
        D + "/{id}/fields",
        422,
        id=doc_id,
        json={"type": "dropdown", "page": 0, "x": -1, "y": 0, "width": 10, "height": 10},
    )
    await call(api, "PATCH", D + "/{id}/signers/{signerId}", 404, id=doc_id, signerId="sr_missing", json={"name": "X"})
    await call(api, "DELETE", D + "/{id}/fields/{fieldId}", 404, id=doc_id, fieldId="fld_missing")

    # No public operation sends a document yet, so put one in `pending` the way `send` will.
    async with db.acquire() as conn:
        await conn.execute("UPDATE documents.documents SET status = 'pending' WHERE id = $1", doc_id)
    await call(api, "PATCH", D + "/{id}", 409, id=doc_id, json={"name": "Too late"})
    await call(api, "POST", D + "/{id}/signers", 409, id=doc_id, json={"email": "late@example.com", "name": "Late"})
    await call(api, "DELETE", D + "/{id}", 409, id=doc_id)


async def test_responses_match_the_spec(conformance: Any, api: Api, make_api: Any, db: asyncpg.Pool) -> None:
    call = Driver(conformance)
    doc_id = await _happy_path(call, api)
    await _error_cases(call, api, make_api, db)

    await call(api, "DELETE", D + "/{id}", 204, id=doc_id)
    await call(api, "GET", D + "/{id}", 404, id=doc_id)
    await call(api, "GET", D + "/{id}/signers", 404, id=doc_id)


# --- (c) the docs page is self-contained -----------------------------------------------------


class _AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(attributes["src"] or "")
            else:
                self._in_script_without_src = True
        elif tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"] or "")
        elif tag in ("img", "iframe", "source") and attributes.get("src"):
            self.urls.append(attributes["src"] or "")
        elif tag == "style":
            self.inline_styles += 1
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline_styles += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1


async def test_docs_page_serves_only_local_assets(system: System, http: aiohttp.ClientSession) -> None:
    async with http.get(system.gateway_url + "/docs") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        csp = resp.headers["Content-Security-Policy"]
        html = await resp.text()
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp

    page = _AssetCollector()
    page.feed(html)
    assert page.inline_scripts == 0 and page.inline_styles == 0
    scripts = [u for u in page.urls if u.endswith(".js")]
    styles = [u for u in page.urls if u.endswith(".css")]
    assert scripts and styles
    gateway = urlsplit(system.gateway_url)
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc or parts.netloc == gateway.netloc, f"third-party asset {url}"
        async with http.get(system.gateway_url + parts.path) as asset:
            assert asset.status == 200, url
            assert asset.headers["X-Content-Type-Options"] == "nosniff"
            content = await asset.read()
        assert content, url
        if url.endswith(".js"):
            assert asset.content_type in ("application/javascript", "text/javascript"), url
        if url.endswith(".css"):
            assert asset.content_type == "text/css", url
            assert not re.search(rb"@import|url\(\s*['\"]?https?:", content), f"{url} loads remote resources"

    async with http.get(system.gateway_url + "/docs/assets/docs.js") as init:
        script = await init.text()
    assert SPEC_PATH in script and "validatorUrl: null" in script


async def test_docs_assets_are_an_allow_list(system: System, http: aiohttp.ClientSession) -> None:
    for name in ("oauth2-redirect.html", "swagger-editor-bundle.js", "..%2F..%2Fschemas.py", "LICENSE"):
        async with http.get(system.gateway_url + "/docs/assets/" + name) as resp:
            assert resp.status == 404, name
