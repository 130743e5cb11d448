"""The OpenAPI builder: a valid 3.1 document, definitions hoisted, errors and parameters derived."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel, Field

from services.gateway.docs_page import asset_files, content_security_policy
from services.gateway.openapi import render_spec
from services.gateway.openapi_build import build_spec, error_statuses
from shared.contracts.org import ProblemDetails
from shared.contracts.routes import OPERATIONS, Operation
from shared.problems import FieldError, Problem


class Tag(BaseModel):
    """A label."""

    name: str = Field(min_length=1)


class Widget(BaseModel):
    """A widget."""

    id: str
    colour: Literal["red", "blue"]
    tags: list[Tag]


class WidgetCreate(BaseModel):
    """Body of a new widget."""

    colour: Literal["red", "blue"]
    tags: list[Tag] = []


class Meta(BaseModel):
    count: int
    hasMore: bool
    nextCursor: str | None


class WidgetList(BaseModel):
    """GET /api/v1/widgets."""

    data: list[Widget]
    meta: Meta


class WidgetResponse(BaseModel):
    """GET /api/v1/widgets/{id}."""

    data: Widget


class WidgetFilter(BaseModel):
    colour: Literal["red", "blue"] | None = Field(default=None, description="Only widgets of this colour.")


W = "/api/v1/widgets"
OPS = [
    Operation("GET", W, "widgets.read", 200, WidgetList, query=WidgetFilter),
    Operation("POST", W, "widgets.create", 201, WidgetResponse, request=WidgetCreate),
    Operation("GET", W + "/{id}", "widgets.read", 200, WidgetResponse),
    Operation("DELETE", W + "/{id}", "widgets.delete", 204, None),
    Operation("POST", W + "/{id}/polish", "widgets.write", 200, WidgetResponse),
    Operation("GET", "/api/v1/open", None, 200, {"type": "object"}),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return build_spec(OPS, "https://api.example.com")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolves(spec: dict[str, Any], ref: str) -> bool:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_the_document_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    OpenAPIV31SpecValidator(spec).validate()
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "https://api.example.com"}]


def test_definitions_are_hoisted_into_components(spec: dict[str, Any]) -> None:
    assert "$defs" not in str(spec)
    assert {"Widget", "Tag", "WidgetCreate", "WidgetList", "ProblemDetails"} <= set(spec["components"]["schemas"])
    refs = _refs(spec)
    assert refs and all(r.startswith("#/components/") for r in refs)
    assert [r for r in refs if not _resolves(spec, r)] == []


def test_success_statuses_and_bodies(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert paths[W]["post"]["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WidgetResponse"
    }
    assert "content" not in paths[W + "/{id}"]["delete"]["responses"]["204"]
    assert paths[W]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WidgetCreate"
    }
    assert paths[W]["post"]["requestBody"]["required"] is True


def test_a_request_body_is_described_in_its_own_media_type() -> None:
    class Upload(BaseModel):
        """A file, as the form field `file`."""

        file: bytes

    upload = Operation(
        "POST", "/api/v1/uploads", None, 200, Widget, request=Upload, request_media="multipart/form-data"
    )
    body = build_spec([upload], "https://api.example.com")["paths"]["/api/v1/uploads"]["post"]["requestBody"]
    assert body["content"] == {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}}}
    refusal = build_spec([upload], "https://api.example.com")["paths"]["/api/v1/uploads"]["post"]["responses"]["415"]
    assert refusal["description"] == "The body was not sent as `multipart/form-data`."


def test_only_the_file_uploads_are_not_json_in_the_real_document() -> None:
    spec = build_spec(OPERATIONS, "https://api.example.com")
    media = {
        (method, path): set(op["requestBody"]["content"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    }
    assert media.pop(("post", "/api/v1/verify")) == {"multipart/form-data"}
    assert media.pop(("put", "/api/v1/org/certificate")) == {"multipart/form-data"}
    assert media.pop(("post", "/api/v1/bulk-sends/csv")) == {"multipart/form-data"}
    assert media.pop(("post", "/api/v1/documents/{id}/attachments")) == {"multipart/form-data"}
    assert media.pop(("post", "/api/v1/signing/{token}/fields/{fieldId}/attachment")) == {"multipart/form-data"}
    assert media.pop(("post", "/api/v1/signing/{token}/fields/{fieldId}/signature-image")) == {"multipart/form-data"}
    assert media.pop(("put", "/api/v1/org/logo")) == {"multipart/form-data"}
    assert media and all(kinds == {"application/json"} for kinds in media.values())


def test_error_responses_follow_what_an_operation_takes(spec: dict[str, Any]) -> None:
    def statuses(method: str, path: str) -> set[str]:
        return {s for s in spec["paths"][path][method]["responses"] if not s.startswith("2")}

    assert statuses("get", W) == {"400", "401", "403", "429", "500", "502"}
    # 409: an Idempotency-Key still in use (docs/api.md#idempotent-requests).
    assert statuses("post", W) == {"400", "401", "403", "409", "413", "415", "422", "429", "500", "502"}
    assert statuses("get", W + "/{id}") == {"401", "403", "404", "429", "500", "502"}
    assert statuses("delete", W + "/{id}") == {"401", "403", "404", "409", "429", "500", "502"}
    assert statuses("get", "/api/v1/open") == {"500"}
    problem = spec["paths"][W + "/{id}"]["get"]["responses"]["404"]
    assert problem == {"$ref": "#/components/responses/NotFound"}
    body = spec["components"]["responses"]["NotFound"]["content"]["application/problem+json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}


def test_forbidden_names_the_missing_scope(spec: dict[str, Any]) -> None:
    assert "`widgets.delete`" in spec["paths"][W + "/{id}"]["delete"]["responses"]["403"]["description"]


def test_security_carries_the_scope(spec: dict[str, Any]) -> None:
    op = spec["paths"][W]["post"]
    assert op["security"] == [{"bearerAuth": ["widgets.create"]}]
    assert op["x-required-scope"] == "widgets.create"
    assert spec["paths"]["/api/v1/open"]["get"]["security"] == []
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"


def test_lists_take_cursor_limit_and_their_filters(spec: dict[str, Any]) -> None:
    params = {p["name"]: p for p in spec["paths"][W]["get"]["parameters"]}
    assert list(params) == ["cursor", "limit", "colour"]
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert params["cursor"]["schema"] == {"type": "string", "minLength": 1}
    # `X | None` on a query model means "may be omitted": no null in a query string.
    assert params["colour"]["schema"] == {"enum": ["red", "blue"], "type": "string"}
    assert params["colour"]["required"] is False
    assert params["colour"]["description"] == "Only widgets of this colour."


def test_path_parameters_are_declared(spec: dict[str, Any]) -> None:
    params = spec["paths"][W + "/{id}"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in params] == [("id", "path", True)]
    # A POST with an API key takes only the Idempotency-Key header.
    [idempotency_key] = spec["paths"][W]["post"]["parameters"]
    assert (idempotency_key["name"], idempotency_key["in"], idempotency_key["required"]) == (
        "Idempotency-Key",
        "header",
        False,
    )
    assert idempotency_key["schema"]["maxLength"] == 255


def test_operation_names_are_derived(spec: dict[str, Any]) -> None:
    names = {(m, p): (op["operationId"], op["summary"]) for p, item in spec["paths"].items() for m, op in item.items()}
    assert names[("get", W)] == ("listWidgets", "List widgets")
    assert names[("post", W)] == ("createWidget", "Create a widget")
    assert names[("get", W + "/{id}")] == ("getWidget", "Get a widget")
    assert names[("delete", W + "/{id}")] == ("deleteWidget", "Delete a widget")
    assert names[("post", W + "/{id}/polish")] == ("polishWidget", "Polish a widget")


def test_keyed_posts_document_idempotency_keys(spec: dict[str, Any]) -> None:
    responses = spec["paths"][W]["post"]["responses"]
    assert "idempotency-key-in-use" in responses["409"]["description"]
    assert "idempotency-key-mismatch" in responses["422"]["description"]
    assert "invalid-idempotency-key" in responses["400"]["description"]
    assert "Idempotent-Replayed" in responses["201"]["headers"]
    assert "Idempotent-Replayed" in spec["components"]["headers"]
    # Not on reads, nor on routes without an API key.
    assert all(p["in"] != "header" for p in spec["paths"][W]["get"].get("parameters", []))
    assert "Idempotent-Replayed" not in spec["paths"][W]["get"]["responses"]["200"]["headers"]


def test_error_statuses_without_scope_or_body() -> None:
    assert error_statuses(Operation("GET", "/api/v1/x", None, 200, None), has_query=False) == [500]


def test_the_real_document_is_valid_and_consistent() -> None:
    import orjson

    spec = orjson.loads(render_spec("http://127.0.0.1:8080"))
    OpenAPIV31SpecValidator(spec).validate()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert [r for r in _refs(spec) if not _resolves(spec, r)] == []
    assert len(ids) == len(OPERATIONS)


def test_error_examples_are_what_the_middleware_renders() -> None:
    import orjson

    # Standalone check: point the component refs at a local $defs.
    raw = orjson.loads(render_spec("http://127.0.0.1:8080").replace(b"#/components/schemas/", b"#/$defs/"))
    schemas = raw["components"]["schemas"]
    validator = Draft202012Validator(schemas["ProblemDetails"] | {"additionalProperties": False, "$defs": schemas})
    for response in raw["components"]["responses"].values():
        validator.validate(response["content"]["application/problem+json"]["example"])
    validator.validate(Problem(422, "bad", errors=[FieldError("name", "Required")]).to_dict())
    assert ProblemDetails.model_validate(Problem(404, "Document not found").to_dict()).errors == []


def test_docs_csp_allows_only_this_origin_and_the_public_url() -> None:
    csp = content_security_policy("https://api.example.com/")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self' https://api.example.com" in csp
    assert "unsafe" not in csp


def test_docs_assets_exist() -> None:
    files = asset_files()
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "docs.js", "docs.css"} <= set(files)
    assert all(path.is_file() for path in files.values())


def test_countersign_extensions_are_marked_and_the_references_operations_are_not() -> None:
    spec = build_spec(OPERATIONS, "https://sign.example.com")
    templates = {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/templates")
        for method, operation in item.items()
    }
    reference = {
        ("GET", "/api/v1/templates"),
        ("GET", "/api/v1/templates/{id}"),
        ("POST", "/api/v1/templates/{id}/use"),
    }
    marked = {key for key, operation in templates.items() if operation.get("x-countersign-extension") is True}
    assert marked == set(templates) - reference and len(marked) == 12
    assert all(templates[key]["description"].startswith("Countersign extension") for key in marked)
    # `use` says which scope `send: true` needs besides its own.
    assert "`documents.send`" in templates[("POST", "/api/v1/templates/{id}/use")]["description"]
