"""The trust boundary: no public request reaches an internal endpoint, whatever its encoding.

Every parameter of every public route template of both APIs (taken from the route tables, not
listed here) is replaced by each entry of a corpus of path encodings, and the request is sent to
the gateway byte for byte (no client-side normalisation). A tap in front of every service records
what each one received. The property: whatever the gateway forwarded while handling a request
is the route it matched, on that route's own path with well-formed parameters — and nothing at
all reaches an /internal/ endpoint on behalf of a public request.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from yarl import URL

from services.gateway import credentials
from services.gateway.routes import ROUTES
from services.gateway.wpsigner import ROUTES as WP_ROUTES
from shared.callers import CALLERS, H_CALLER, INTERNAL_ROUTES, caller_headers
from shared.context import H_ORG
from shared.contracts.path_params import (
    DOCUMENT_ID,
    SIGNER_ID,
    SIGNING_TOKEN,
    WPSIGNER_NUMBER,
    Shape,
    fill,
    placeholders,
)
from shared.db import create_pool
from shared.settings import Settings
from shared.web import REQUEST_ID_HEADER
from tests.email_peers import own_settings
from tests.harness import System, reset_infrastructure, start_system
from tests.scratch import delete_amqp_namespace

pytestmark = pytest.mark.e2e

SIGNER = "sr_" + "s" * 20  # a well-formed signer id for the payloads that aim at internal endpoints
# Encodings of `/`, `\`, `.`, `?`, `#`, NUL, CR/LF: single, double, lower-case, overlong UTF-8,
# full-width, matrix-parameter and trailing-dot variants.
PIECES = (
    "%2F",
    "%2f",
    "%252F",
    "%5C",
    "%5c",
    "%2E%2E",
    "%2e%2e%2f",
    "..;",
    "..;/",
    "%3F",
    "%3f",
    "%23",
    "%00",
    "%0A",
    "%0D%0A",
    "%C0%AE",
    "%C0%AF",
    "%E0%80%AE",
    "%C0%AE%C0%AE%C0%AF",
    "%EF%BC%8E",
    "%EF%BC%8F",
    "%EF%BC%8E%EF%BC%8E%EF%BC%8F",
    "/.",
    "/..",
    "%2F.",
    "%2F..",
    "%20",
    "+",
)
# Whole payloads aimed at what the gateway once reached this way.
PAYLOADS = (
    f"..%2F..%2F..%2Finternal%2Fsigners%2F{SIGNER}%2Fotp-code",
    f"..%2F..%2F..%2Finternal%2Fsigners%2F{SIGNER}%2Fsigning-link",
    "..%2F..%2F..%2Freadyz",
    "..%2F..%2F..%2F..%2Finternal%2Femails%2Fdead-letters",
    "..%252F..%252F..%252Finternal%252Forg-stats",
    "%2E%2E%2F%2E%2E%2F%2E%2E%2Finternal%2Forg-stats",
    "..%5C..%5C..%5Cinternal%5Corg-stats",
    "..;/..;/..;/internal/org-stats",
    "%EF%BC%8E%EF%BC%8E%EF%BC%8Finternal%EF%BC%8Forg-stats",
    "c" + "0" * 24 + "%2Fsend%3F",
    "c" + "0" * 24 + "%2F..%2F..%2F..%2Finternal%2Fwpsigner%2Fdocuments%2F1",
    "7%2F..%2F..%2F..%2Finternal%2Fwpsigner%2Fdocuments%2F7",
    "%EF%BC%97",  # a full-width 7: str.isdigit() says yes
    "%C2%B2",  # a superscript 2: str.isdigit() says yes, int() says no
)

_SAMPLES = {DOCUMENT_ID: "c" + "0" * 24, SIGNING_TOKEN: "t" * 43, WPSIGNER_NUMBER: "7"}


def sample(shape: Shape) -> str:
    """A well-formed value of a shape (nothing needs to exist: the upstream may answer 404)."""
    if shape in _SAMPLES:
        return _SAMPLES[shape]
    prefix = shape.pattern.pattern.split("[", 1)[0]  # sr_, fld_, wh_, whd_, or "" for page numbers
    return prefix + "0" * 20 if prefix else "1"


@dataclass(frozen=True)
class Template:
    api: str  # "insigner" | "wpsigner" | "page"
    method: str
    path: str
    shapes: dict[str, Shape]

    def valid(self) -> dict[str, str]:
        return {name: sample(shape) for name, shape in self.shapes.items()}


def templates() -> Iterator[Template]:
    for route in ROUTES:
        if route.shapes:
            yield Template("insigner", route.method, route.path, dict(route.shapes))
    for method, path, _ in WP_ROUTES:
        for variant in (path, path + "/"):
            if placeholders(variant):
                yield Template("wpsigner", method, variant, {"id": WPSIGNER_NUMBER})
    yield Template("page", "GET", "/sign/{token}", {"token": SIGNING_TOKEN})


def hostile_values(valid: str) -> Iterator[str]:
    for piece in PIECES:
        yield piece
        yield valid + piece
    yield from PAYLOADS


def raw_path(template: Template, values: dict[str, str]) -> str:
    out = template.path
    for name, value in values.items():
        out = out.replace("{" + name + "}", value)
    return out


@dataclass
class Seen:
    port: int
    method: str
    raw_path: str
    template: str | None
    values: dict[str, str]
    caller: str | None
    query: list[tuple[str, str]]


@dataclass
class Tap:
    """What each service received, by the request id the gateway propagates."""

    by_request: dict[str, list[Seen]] = field(default_factory=lambda: defaultdict(list))

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        resource = request.match_info.route.resource
        self.by_request[request.headers.get(REQUEST_ID_HEADER, "")].append(
            Seen(
                request.url.port or 0,
                request.method,
                request.rel_url.raw_path,
                resource.canonical if resource is not None else None,
                dict(request.match_info),
                request.headers.get(H_CALLER),
                list(request.query.items()),
            )
        )
        return await handler(request)


@dataclass
class Boundary:
    system: System
    tap: Tap
    headers: dict[str, dict[str, str]]  # by api

    def port(self, service: str) -> int:
        return URL(self.system.services[service].url).port or 0


@pytest.fixture(scope="module")
async def boundary(settings: Settings) -> AsyncIterator[Boundary]:
    # A system of its own, with a tap in front of every service; limits that a few thousand
    # requests from one key and one IP do not reach (the limits have tests of their own).
    own = own_settings(
        settings,
        "boundary",
        wpsigner_rate_limit_per_hour=1_000_000,
        wpsigner_ip_rate_limit_per_minute=1_000_000,
        db_pool_max=3,
    )
    await reset_infrastructure(own)
    tap = Tap()
    system = await start_system(own, tap=tap.middleware)
    pool = await create_pool(system.settings, min_size=1, max_size=2)
    async with pool.acquire() as conn:
        insigner = await credentials.create_insigner_key(conn, "Boundary Org", ["*"], "all scopes")
        wpsigner = await credentials.create_wpsigner_key(conn, "Boundary Org", "full", read_only=False)
    await pool.close()
    headers = {
        "insigner": {"Authorization": f"Bearer {insigner.api_key}"},
        "wpsigner": {"X-WPS-API-Key": wpsigner.api_key, "X-WPS-API-Secret": wpsigner.api_secret or ""},
        "page": {},
    }
    yield Boundary(system, tap, headers)
    await system.stop()
    await delete_amqp_namespace(own)


_ids = itertools.count()


async def send(
    http: aiohttp.ClientSession, boundary: Boundary, template: Template, values: dict[str, str]
) -> tuple[str, int]:
    request_id = f"atk-{next(_ids)}"
    url = URL(boundary.system.gateway_url + raw_path(template, values), encoded=True)
    body = b"{}" if template.method in ("POST", "PUT", "PATCH") else None
    headers = boundary.headers[template.api] | {REQUEST_ID_HEADER: request_id, "Content-Type": "application/json"}
    async with http.request(template.method, url, data=body, headers=headers, allow_redirects=False) as resp:
        await resp.read()
        return request_id, resp.status


def check_forwarded(boundary: Boundary, request_id: str) -> list[Seen]:
    """The property, for one request: what the internal services received on its behalf."""
    seen = boundary.tap.by_request.pop(request_id, [])
    gateway_port = boundary.port("gateway")
    [entry] = [s for s in seen if s.port == gateway_port]
    public_shapes = {(r.method, r.path): r.shapes for r in ROUTES}
    forwarded = [s for s in seen if s.port != gateway_port]
    for hop in forwarded:
        context = (request_id, entry.raw_path, hop.raw_path, hop.caller)
        assert hop.template is not None, context
        assert "%" not in hop.raw_path and "/." not in hop.raw_path, context
        assert hop.raw_path == fill(hop.template, hop.values), context
        if hop.caller == "public":
            # A proxied request: exactly the route the gateway matched, with well-formed values.
            assert (hop.method, hop.template) == (entry.method, entry.template), context
            shapes = public_shapes[(hop.method, hop.template)]
            assert all(shapes[name].fits(value) for name, value in hop.values.items()), context
        else:
            # A service calling as itself, with ids it parsed: the WPsigner translation (the
            # gateway), or the audit service asking whether a document is visible.
            assert hop.caller in ("gateway", "audit"), context
            if hop.caller == "gateway":  # the WPsigner translation, or the signing page's link check
                assert entry.template and (
                    entry.template.startswith("/wp-json/")
                    or (entry.template == "/sign/{token}" and hop.raw_path == "/internal/signing-links/check")
                ), context
            assert all(
                any(s.fits(v) for s in (WPSIGNER_NUMBER, DOCUMENT_ID, SIGNER_ID)) for v in hop.values.values()
            ), context
    return forwarded


async def test_well_formed_requests_reach_their_own_route(boundary: Boundary, http: aiohttp.ClientSession) -> None:
    # The control: the tap sees forwarded requests, so an empty record below means "not sent".
    for template in templates():
        if template.api != "insigner":
            continue
        request_id, status = await send(http, boundary, template, template.valid())
        assert status < 500, (template, status)
        forwarded = check_forwarded(boundary, request_id)
        assert [(h.method, h.raw_path) for h in forwarded if h.caller == "public"] == [
            (template.method, fill(template.path, template.valid()))
        ], template


@pytest.mark.parametrize("api", ["insigner", "wpsigner", "page"])
async def test_no_encoding_of_any_parameter_reaches_anything_but_its_route(
    boundary: Boundary, http: aiohttp.ClientSession, api: str
) -> None:
    attacks = [
        (template, template.valid() | {name: hostile})
        for template in templates()
        if template.api == api
        for name in template.shapes
        for hostile in hostile_values(sample(template.shapes[name]))
    ]
    assert len(attacks) >= len(PIECES) * 2 + len(PAYLOADS)
    gate = asyncio.Semaphore(16)

    async def one(template: Template, values: dict[str, str]) -> tuple[Template, dict[str, str], str, int]:
        async with gate:
            return (template, values, *await send(http, boundary, template, values))

    results = await asyncio.gather(*(one(t, v) for t, v in attacks))
    reached_internal = []
    for template, values, request_id, status in results:
        assert status < 500, (template.method, raw_path(template, values), status)
        forwarded = check_forwarded(boundary, request_id)
        reached_internal += [
            h for h in forwarded if h.template and h.template.startswith("/internal/") and h.caller != "gateway"
        ]
    assert reached_internal == []


async def test_the_otp_bypass_of_the_report_is_closed(boundary: Boundary, http: aiohttp.ClientSession) -> None:
    # The report's first finding, exactly: no API key, a signing "token" that walks to the
    # notifier's code endpoint. Nothing but the gateway sees it.
    path = f"/api/v1/signing/..%2F..%2F..%2Finternal%2Fsigners%2F{SIGNER}%2Fotp-code"
    async with http.get(
        URL(boundary.system.gateway_url + path, encoded=True), headers={REQUEST_ID_HEADER: "atk-otp"}
    ) as resp:
        body = await resp.json(content_type=None)
        assert resp.status == 404 and resp.headers["Content-Type"].startswith("application/problem+json")
        assert "code" not in body
    assert check_forwarded(boundary, "atk-otp") == []


async def test_queries_are_forwarded_as_parsed(boundary: Boundary, http: aiohttp.ClientSession) -> None:
    raw = "limit=5&status=draft&search=a%26b%3Dc%23d%2F..%2Finternal&search=%3Fsecond"
    url = URL(boundary.system.gateway_url + "/api/v1/documents?" + raw, encoded=True)
    async with http.get(url, headers=boundary.headers["insigner"] | {REQUEST_ID_HEADER: "atk-query"}) as resp:
        await resp.read()
    [gateway] = [s for s in boundary.tap.by_request["atk-query"] if s.port == boundary.port("gateway")]
    [hop] = check_forwarded(boundary, "atk-query")
    assert hop.raw_path == "/api/v1/documents"
    # What the documents service parsed is what the gateway parsed, pair for pair: a `#`, `?`,
    # `&` or `/` inside a value stays inside that value.
    assert gateway.query == [
        ("limit", "5"),
        ("status", "draft"),
        ("search", "a&b=c#d/../internal"),
        ("search", "?second"),
    ]
    assert hop.query == gateway.query


# --- the second wall: internal services refuse a caller on a route it may not use ---------------


def internal_routes(app: web.Application) -> Iterator[tuple[str, str]]:
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if canonical.startswith("/internal/") and route.method != "HEAD":
            yield route.method, canonical


@pytest.mark.parametrize("service", ["documents", "audit", "notifier"])
async def test_every_internal_route_refuses_the_public_caller_and_the_callers_it_did_not_name(
    boundary: Boundary, http: aiohttp.ClientSession, service: str
) -> None:
    app = boundary.system.services[service].app
    declared = app[INTERNAL_ROUTES]
    routes = list(internal_routes(app))
    assert routes and set(routes) == set(declared)  # none registered around add_internal_route
    secret = boundary.system.settings.require_internal_secret()
    for method, template in routes:
        url = boundary.system.services[service].url + fill(
            template, {n: "c" + "0" * 24 for n in placeholders(template)}
        )
        for caller in sorted(CALLERS - declared[(method, template)]):
            headers = caller_headers(secret, caller) | {H_ORG: "org_x", REQUEST_ID_HEADER: "wall"}  # type: ignore[arg-type]
            async with http.request(method, url, headers=headers) as resp:
                assert resp.status == 404, (caller, method, template)
    boundary.tap.by_request.pop("wall", None)


async def test_a_public_caller_cannot_erase_a_document_through_the_wpsigner_internal_delete(
    boundary: Boundary, http: aiohttp.ClientSession
) -> None:
    gateway = boundary.system.gateway_url
    async with http.post(
        gateway + "/api/v1/documents", json={"name": "Keep me"}, headers=boundary.headers["insigner"]
    ) as resp:
        assert resp.status == 201
        document_id = (await resp.json())["data"]["id"]
    org_id = await _org_of(boundary, document_id)
    secret = boundary.system.settings.require_internal_secret()
    url = boundary.system.services["documents"].url + f"/internal/wpsigner/documents/{document_id}"
    async with http.delete(url, headers=caller_headers(secret, "public") | {H_ORG: org_id}) as resp:
        assert resp.status == 404
    async with http.get(gateway + f"/api/v1/documents/{document_id}", headers=boundary.headers["insigner"]) as resp:
        assert resp.status == 200 and (await resp.json())["data"]["name"] == "Keep me"


async def _org_of(boundary: Boundary, document_id: str) -> str:
    conn = await asyncpg.connect(boundary.system.settings.database_url)
    try:
        return await conn.fetchval("SELECT org_id FROM documents.documents WHERE id = $1", document_id)
    finally:
        await conn.close()
