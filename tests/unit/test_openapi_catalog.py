"""The operation catalogue: reading each service's schema exports, tolerantly but not blindly."""

from __future__ import annotations

import sys
import types

import pytest
from pydantic import BaseModel

from services.gateway import openapi_catalog as catalog
from services.gateway.routes import ROUTES


class Thing(BaseModel):
    """A thing."""

    id: str


K = ("POST", "/api/v1/things")


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("POST", (201, Thing), (201, Thing)),
        ("POST", (Thing, 201), (201, Thing)),
        ("GET", Thing, (200, Thing)),
        ("POST", Thing, (201, Thing)),
        ("DELETE", (204, None), (204, None)),
        ("DELETE", None, (204, None)),
        ("PATCH", {200: Thing}, (200, Thing)),
    ],
)
def test_response_entries_are_normalised(method: str, value: object, expected: tuple[int, object]) -> None:
    assert catalog.response_entry(method, (method, "/x"), value) == expected


@pytest.mark.parametrize("value", ["Thing", (201, "Thing"), (1, 2), (Thing, Thing), 42])
def test_malformed_response_entries_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="RESPONSE_MODELS"):
        catalog.response_entry("GET", K, value)


def test_request_entries_must_be_models() -> None:
    assert catalog.request_entry(K, Thing) is Thing
    assert catalog.request_entry(K, (Thing,)) is Thing
    with pytest.raises(TypeError, match="REQUEST_MODELS"):
        catalog.request_entry(K, {"name": "str"})


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **exports: object) -> str:
    module = types.ModuleType(name)
    for key, value in exports.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)
    return name


def test_a_module_not_written_yet_is_skipped() -> None:
    tables = catalog.load_tables(["services.nonexistent_service.schemas"])
    assert tables.requests == {} and tables.responses == {} and tables.queries == {}


def test_a_broken_import_inside_a_schemas_module_is_not_hidden(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken_schemas_for_test.py").write_text("import a_package_that_does_not_exist_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        catalog.load_tables(["broken_schemas_for_test"])


def test_a_key_claimed_by_two_modules_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    a = _fake_module(monkeypatch, "fake_schemas_a", RESPONSE_MODELS={K: (201, Thing)})
    b = _fake_module(monkeypatch, "fake_schemas_b", RESPONSE_MODELS={K: (201, Thing)})
    with pytest.raises(ValueError, match="repeats"):
        catalog.load_tables([a, b])


def test_query_models_and_get_request_models_become_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    class Filter(BaseModel):
        """Filters."""

        q: str | None = None

    route = ROUTES[0]
    key = (route.method, route.path)
    name = _fake_module(monkeypatch, "fake_schemas_q", QUERY_MODELS={key: Filter}, RESPONSE_MODELS={key: (200, Thing)})
    ops = {(op.method, op.path): op for op in catalog.operations(catalog.load_tables([name]))}
    assert ops[key].query is Filter and ops[key].request is None and ops[key].response is Thing
    # Operations nobody described are still listed, flagged, with the usual success status.
    undescribed = [op for op in ops.values() if not op.described]
    assert undescribed and all(op.response is None for op in undescribed)
    assert {op.status for op in undescribed if op.method == "DELETE"} == {204}


def test_the_real_tables_describe_every_public_route() -> None:
    tables = catalog.load_tables()
    assert catalog.unknown_keys(tables) == set(), "schema tables name routes that ROUTES does not have"
    for op in catalog.operations(tables):
        assert op.described, f"{op.method} {op.path} has no response model"
        if op.method in ("POST", "PATCH", "PUT"):
            assert op.request is not None, f"{op.method} {op.path} has no request model"


def test_every_route_and_the_spec_itself_are_operations() -> None:
    keys = {(op.method, op.path) for op in catalog.operations()}
    assert {(r.method, r.path) for r in ROUTES} <= keys
    assert ("GET", catalog.OPENAPI_PATH) in keys
    assert ("GET", "/api/v1/org") in keys and ("GET", "/api/v1/org/members") in keys
