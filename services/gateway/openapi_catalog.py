"""Which operations /api/v1 has, and which pydantic models describe each one.

The route table (`routes.ROUTES`) says what exists and which scope it needs; each service's
`schemas` module says what goes in and out, in dicts keyed by `(method, path)` exactly as in
the route table:

    REQUEST_MODELS  = {("POST", "/api/v1/documents"): DocumentCreate, ...}
    RESPONSE_MODELS = {("POST", "/api/v1/documents"): (201, DocumentCreatedResponse),
                       ("DELETE", "/api/v1/documents/{id}"): (204, None), ...}
    QUERY_MODELS    = {("GET", "/api/v1/documents"): DocumentListQuery}   # filters of a list
    RESPONSE_MEDIA  = {("GET", "/api/v1/documents/{id}/download"): "application/pdf"}  # not JSON
    REQUEST_MEDIA   = {("POST", "/api/v1/verify"): "multipart/form-data"}  # a body that is not JSON
    EXTRA_ERROR_STATUSES = {("GET", "/api/v1/documents/{id}/download"): (409,)}

A response that is not JSON (a PDF download) is described by a raw JSON schema in RESPONSE_MODELS,
`(200, {"contentMediaType": "application/pdf", ...})`, and its media type in RESPONSE_MEDIA.
EXTRA_ERROR_STATUSES adds errors the operation's shape does not imply (a GET that depends on state).

`cursor` and `limit` are not in query models: every paginated list shares them. A request model
on a GET is read as query parameters too. Missing modules are tolerated (a service being written
has none yet): its operations are still listed, without schemas, and the OpenAPI test reports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from services.gateway import schemas as gateway_schemas
from services.gateway.routes import ROUTES

Key = tuple[str, str]
# A raw JSON schema stands in where no pydantic model can (the OpenAPI document itself).
ResponseBody = type[BaseModel] | dict[str, Any] | None

SCHEMA_MODULES = (
    "services.documents.api.schemas",
    "services.documents.api.file_schemas",
    "services.documents.api.signing_schemas",
    "services.documents.api.page_schemas",
    "services.documents.api.seal_schemas",
    "services.documents.api.verify_schemas",
    "services.audit.schemas",
    "services.notifier.schemas",
    "services.gateway.schemas",
)

OPENAPI_PATH = "/api/v1/openapi.json"
_OPENAPI_DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "This OpenAPI 3.1 document.",
    "required": ["openapi", "info", "paths"],
}

# Statuses a handler answers with when its schemas module does not say.
_DEFAULT_SUCCESS = {"POST": 201, "DELETE": 204}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scope: str | None  # None: no API key needed
    status: int  # the success status
    response: ResponseBody  # None: no body (204)
    request: type[BaseModel] | None = None  # JSON body
    query: type[BaseModel] | None = None  # query parameters
    described: bool = True  # False when no schemas module described it yet
    media_type: str = "application/json"  # of the success response
    extra_errors: tuple[int, ...] = ()
    request_media: str = "application/json"  # of the request body (a form upload: multipart/form-data)


def _import_optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "this module does not exist (yet)" is tolerated; a broken import inside it is a bug.
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def _is_model(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def response_entry(method: str, key: Key, value: object) -> tuple[int, ResponseBody]:
    """Normalise one RESPONSE_MODELS value: `Model`, `(status, Model)`, `(status, None)`, `{status: Model}`."""
    if value is None:
        return 204, None
    if _is_model(value):
        return _DEFAULT_SUCCESS.get(method, 200), value  # type: ignore[return-value]
    if isinstance(value, Mapping) and len(value) == 1:
        value = next(iter(value.items()))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        statuses = [v for v in value if isinstance(v, int)]
        bodies = [v for v in value if not isinstance(v, int)]
        if len(statuses) == 1 and (bodies[0] is None or _is_model(bodies[0]) or isinstance(bodies[0], Mapping)):
            return statuses[0], bodies[0]
    raise TypeError(f"RESPONSE_MODELS[{key!r}] must be a model, (status, model) or (status, None); got {value!r}")


def request_entry(key: Key, value: object) -> type[BaseModel] | None:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if value is None or _is_model(value):
        return value  # type: ignore[return-value]
    raise TypeError(f"REQUEST_MODELS[{key!r}] must be a pydantic model; got {value!r}")


@dataclass(frozen=True)
class ModelTables:
    requests: dict[Key, type[BaseModel] | None]
    responses: dict[Key, tuple[int, ResponseBody]]
    queries: dict[Key, type[BaseModel] | None]
    media: dict[Key, str] = field(default_factory=dict)
    extra_errors: dict[Key, tuple[int, ...]] = field(default_factory=dict)
    request_media: dict[Key, str] = field(default_factory=dict)


def load_tables(module_names: Iterable[str] = SCHEMA_MODULES) -> ModelTables:
    """Merge every service's REQUEST_MODELS / RESPONSE_MODELS / QUERY_MODELS; a key claimed
    twice is an error."""
    requests: dict[Key, type[BaseModel] | None] = {}
    responses: dict[Key, tuple[int, ResponseBody]] = {}
    queries: dict[Key, type[BaseModel] | None] = {}
    media: dict[Key, str] = {}
    extra_errors: dict[Key, tuple[int, ...]] = {}
    request_media: dict[Key, str] = {}
    for name in module_names:
        module = _import_optional(name)
        if module is None:
            continue
        for table, export in ((requests, "REQUEST_MODELS"), (queries, "QUERY_MODELS")):
            for key, value in dict(getattr(module, export, {}) or {}).items():
                if key in table:
                    raise ValueError(f"{name}.{export} repeats {key!r}")
                table[key] = request_entry(key, value)
        for key, value in dict(getattr(module, "RESPONSE_MODELS", {}) or {}).items():
            if key in responses:
                raise ValueError(f"{name}.RESPONSE_MODELS repeats {key!r}")
            responses[key] = response_entry(key[0], key, value)
        media.update(dict(getattr(module, "RESPONSE_MEDIA", {}) or {}))
        request_media.update(dict(getattr(module, "REQUEST_MEDIA", {}) or {}))
        extra_errors.update({k: tuple(v) for k, v in dict(getattr(module, "EXTRA_ERROR_STATUSES", {}) or {}).items()})
    return ModelTables(requests, responses, queries, media, extra_errors, request_media)


def route_scopes() -> dict[Key, str | None]:
    """Every public /api/v1 operation with its scope: proxied routes, the gateway's own, the spec."""
    scopes: dict[Key, str | None] = {(r.method, r.path): r.scope for r in ROUTES}
    scopes.update(gateway_schemas.SCOPES)
    scopes[("GET", OPENAPI_PATH)] = None
    return scopes


def operations(tables: ModelTables | None = None) -> list[Operation]:
    tables = tables or load_tables()
    out: list[Operation] = []
    for (method, path), scope in route_scopes().items():
        key = (method, path)
        if key == ("GET", OPENAPI_PATH):
            out.append(Operation(method, path, None, 200, _OPENAPI_DOCUMENT_SCHEMA))
            continue
        described = key in tables.responses
        status, response = tables.responses.get(key, (_DEFAULT_SUCCESS.get(method, 200), None))
        model = tables.requests.get(key)
        body_carrying = method in ("POST", "PUT", "PATCH")
        out.append(Operation(
            method, path, scope, status, response,
            request=model if body_carrying else None,
            query=tables.queries.get(key) or (None if body_carrying else model),
            described=described,
            media_type=tables.media.get(key, "application/json"),
            extra_errors=tables.extra_errors.get(key, ()),
            request_media=tables.request_media.get(key, "application/json"),
        ))
    return out


def unknown_keys(tables: ModelTables) -> set[Key]:
    """Keys in the schema tables that name no route: a typo, or a route not yet in ROUTES."""
    known = set(route_scopes())
    return (set(tables.requests) | set(tables.responses) | set(tables.queries) | set(tables.media)
            | set(tables.extra_errors) | set(tables.request_media)) - known
