"""The route table of shared/contracts/routes.py: complete, consistent, and what every router serves.

The table replaced per-service REQUEST_MODELS/RESPONSE_MODELS tables that the OpenAPI catalogue
imported by name; what those tests guarded (every route described, no key claimed twice, GET
filters as queries) is now checked on the one table, and each service's router against it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web
from pydantic import BaseModel

from services.audit.app import create_app as audit_app
from services.devstack.dev_pki import ensure_dev_pki
from services.documents.app import create_app as documents_app
from services.gateway.app import create_app as gateway_app
from services.gateway.routes import ROUTES
from services.notifier.app import create_app as notifier_app
from shared.contracts import routes as contract
from shared.contracts.routes import OPENAPI_PATH, OPERATIONS, Operation, Service, served_by
from shared.settings import Settings
from tests import harness

API_PREFIX = "/api/v1/"


def public_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, template) of every /api/v1 route the app's router serves (HEAD, which aiohttp
    adds beside a GET, is not an operation of its own)."""
    out: set[tuple[str, str]] = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith(API_PREFIX) and route.method not in ("HEAD", "*"):
            out.add((route.method, path))
    return out


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The documents app refuses to start without a seal CA: a development one, made here.
    pki = ensure_dev_pki(tmp_path_factory.mktemp("pki"))
    return harness.test_settings(seal_ca_cert_file=pki.ca_cert, seal_ca_key_file=pki.ca_key)


APPS: dict[Service, Callable[[Settings], web.Application]] = {
    "documents": documents_app,
    "audit": audit_app,
    "notifier": notifier_app,
    "gateway": gateway_app,
}


@pytest.mark.parametrize("service", ["documents", "audit", "notifier"])
def test_each_service_serves_exactly_its_rows(service: Service, settings: Settings) -> None:
    served = public_routes(APPS[service](settings))
    assert served == {op.key for op in served_by(service)}


def test_the_gateway_serves_every_row(settings: Settings) -> None:
    # Its own rows itself, the others through the proxy: every public operation, nothing else.
    assert public_routes(gateway_app(settings)) == {op.key for op in OPERATIONS}
    assert {(r.method, r.path) for r in ROUTES} == {op.key for op in OPERATIONS if op.service != "gateway"}


def test_every_row_is_described() -> None:
    for op in OPERATIONS:
        assert (op.status == 204) == (op.response is None), f"{op.method} {op.path}: body and status disagree"
        if op.method in ("POST", "PATCH", "PUT"):
            assert op.request is not None, f"{op.method} {op.path} has no request model"
        else:
            assert op.request is None, f"{op.method} {op.path}: a body on a {op.method}"
        if op.query is not None:
            assert op.method == "GET", f"{op.method} {op.path}: query filters belong to a GET"
        if op.media_type != "application/json":
            assert isinstance(op.response, dict), f"{op.method} {op.path}: a file is described by a raw schema"


def test_every_route_and_the_spec_itself_are_operations() -> None:
    keys = {op.key for op in OPERATIONS}
    assert {(r.method, r.path) for r in ROUTES} <= keys
    assert ("GET", OPENAPI_PATH) in keys
    assert ("GET", "/api/v1/org") in keys and ("GET", "/api/v1/org/members") in keys


def test_every_placeholder_has_a_shape() -> None:
    for op in OPERATIONS:
        assert set(op.shapes) == set(contract.placeholders(op.path)), f"{op.method} {op.path}"


def test_a_placeholder_without_a_shape_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="no shape"):
        contract.shapes_of("/api/v1/documents/{id}/attachments/{attachmentId}")
    with pytest.raises(ValueError, match="no shape"):
        contract.shapes_of("/api/v1/things/{id}")


def test_a_key_declared_twice_is_an_error() -> None:
    class Thing(BaseModel):
        id: str

    row = Operation("GET", "/api/v1/things", "things.read", 200, Thing)
    with pytest.raises(ValueError, match="twice"):
        contract.check_unique((row, Operation("GET", "/api/v1/things", None, 200, Thing)))
    contract.check_unique((row, Operation("POST", "/api/v1/things", "things.create", 201, Thing)))
