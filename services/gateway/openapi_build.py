"""Builds the OpenAPI 3.1 document of /api/v1 from the operation catalogue (pure, no I/O).

All pydantic models go through one `models_json_schema` call, so every definition lands once
under `components/schemas` and a model used both as input and output gets distinct names when
the two shapes differ. Error responses come from the problem renderer the middleware uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.contracts import idempotency
from shared.contracts.org import ProblemDetails
from shared.contracts.routes import Operation
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared.problems import FieldError, Problem

REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
PROBLEM_MEDIA = "application/problem+json"

# What a client needs to tell each error apart; examples are rendered by shared.problems itself.
_ERRORS: dict[int, tuple[str, str, Problem]] = {
    400: (
        "BadRequest",
        "Malformed JSON, a body that is not an object, or an invalid query parameter (cursor, limit, filter).",
        Problem(400, "The request body is not valid JSON", slug="invalid-json"),
    ),
    401: (
        "Unauthorized",
        "Missing, malformed, unknown or revoked API key.",
        Problem(401, "Invalid or revoked API key"),
    ),
    403: (
        "Forbidden",
        "The API key lacks the scope this operation requires.",
        Problem(403, "This API key lacks the required scope: documents.read"),
    ),
    404: (
        "NotFound",
        "No such resource in the caller's organisation (another organisation's resource is 404 too).",
        Problem(404, "Document not found"),
    ),
    409: (
        "Conflict",
        "Not allowed in the resource's current state (e.g. editing a document that is no longer a draft).",
        Problem(409, "The document is not a draft"),
    ),
    413: ("PayloadTooLarge", "The request body exceeds the size limit.", Problem(413, "The request body is too large")),
    415: (
        "UnsupportedMediaType",
        "A non-empty body was sent without a JSON Content-Type (application/json or application/*+json, UTF-8).",
        Problem(
            415, "A request body must be JSON, sent with Content-Type: application/json", slug="unsupported-media-type"
        ),
    ),
    422: (
        "ValidationError",
        "The request body failed validation; `errors` lists each invalid field.",
        Problem(
            422,
            "The request body contains invalid fields",
            errors=[FieldError("email", "Invalid email"), FieldError("name", "Required")],
        ),
    ),
    429: (
        "TooManyRequests",
        "A rate limit is spent: the API key's requests per minute, an action's budget (webhook "
        "creations per user per hour), the client address's failed authentications (bad keys, unknown signing "
        "links), or, on the signing API, a one-time code asked for too soon (`otp-too-soon`). `Retry-After` "
        "says when to try again.",
        Problem(429, "Rate limit exceeded. Please retry after the reset period."),
    ),
    500: (
        "InternalError",
        "Unexpected server error; no internals are disclosed.",
        Problem(500, "An unexpected error occurred"),
    ),
    502: (
        "BadGateway",
        "An internal service did not answer; retry later.",
        Problem(502, "An internal service is unavailable; try again shortly"),
    ),
}

# The reference's rate-limit headers (services/gateway/api_limits.py): on every answer to a request
# authenticated by an API key that has a limit.
_LIMIT_HEADERS: dict[str, tuple[str, str]] = {
    "RateLimit-Limit": (
        "Maximum requests allowed in the current window (the API key's requests per minute).",
        "integer",
    ),
    "RateLimit-Remaining": ("Requests remaining in the current window.", "integer"),
    "RateLimit-Reset": ("Seconds until the rate limit window resets.", "integer"),
}
_RETRY_AFTER = ("Seconds to wait before retrying.", "integer")
SIGNING_PREFIX = "/api/v1/signing/"

_PATH_PARAM = re.compile(r"{([^}/]+)}")
_PARAM_DESCRIPTIONS = {
    "id": "Document id (opaque, URL-safe).",
    "signerId": "Signer id (`sr_…`).",
    "fieldId": "Field id (`fld_…`).",
}
# Same shape check the services apply before an id reaches SQL (shared.ids.is_plausible_id).
_ID_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}

_TAGS = {
    "templates": "Templates",
    "campaigns": "Campaigns",
    "roles": "Templates",
    "documents": "Documents",
    "signers": "Signers",
    "fields": "Fields",
    "audit": "Audit",
    "org": "Organization",
    "members": "Organization",
    "openapi.json": "Meta",
}
_TAG_DESCRIPTIONS = {
    "Documents": "Documents: a PDF to be signed, its settings and its lifecycle.",
    "Signers": "Who signs, approves or receives a copy of a document, and in which order.",
    "Fields": "Fields placed on the document's pages (coordinates in PDF points from the page's top-left corner).",
    "Audit": "The hash-chained audit trail of a document.",
    "Organization": "The organisation that owns the API key.",
    "Meta": "This description.",
    "Templates": "Reusable documents: a verified PDF, signer slots (roles) and fields; documents are made from "
    "them with `use`. Operations marked `x-countersign-extension` are Countersign's own (the inSigner "
    "reference can only list, read and use templates).",
    "Campaigns": "Public signing links made from a template: each visitor of /sign/campaign/{id} signs their "
    "own document. The visitor's submission is a Countersign extension (no API key).",
    "Verify": "Anyone holding a PDF may ask whether it is a sealed document of this platform, unchanged.",
}
# Where the derived names read badly, or the reference uses another verb.
_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/v1/org"): ("getOrganization", "Get the organization"),
    ("GET", "/api/v1/org/members"): ("listMembers", "List the organization's members"),
    ("GET", "/api/v1/org/certificate"): (
        "getOrganizationCertificate",
        "The organization's seal certificate chain (PEM)",
    ),
    ("DELETE", "/api/v1/org/certificate"): (
        "deleteOrganizationCertificate",
        "Go back to the platform-issued seal certificate",
    ),
    ("PUT", "/api/v1/org/logo"): ("putOrganizationLogo", "Set the organization's logo (signing pages, emails)"),
    ("DELETE", "/api/v1/org/logo"): ("deleteOrganizationLogo", "Stop showing a logo on new documents"),
    ("GET", "/api/v1/signing/{token}/state"): ("getSigningLinkState", "What a signing link leads to (always 200)"),
    ("POST", "/api/v1/signing/{token}/fields/{fieldId}/signature-image"): (
        "prepareSignatureImage",
        "Clean a picture of a signature for a signature field (nothing stored)",
    ),
    ("POST", "/api/v1/verify"): ("verifyDocument", "Verify a PDF: which document it is, and whether its seal holds"),
    ("GET", "/api/v1/documents/{id}/audit"): ("listAuditEntries", "List a document's audit entries"),
    ("GET", "/api/v1/documents/{id}/audit/verify"): ("verifyAuditChain", "Recompute a document's audit chain"),
    ("POST", "/api/v1/documents/{id}/signers"): ("addSigner", "Add a signer"),
    ("POST", "/api/v1/documents/{id}/fields"): ("addField", "Add a field"),
    ("POST", "/api/v1/templates/{id}/use"): ("useTemplate", "Make a document from a template"),
    ("POST", "/api/v1/templates/{id}/upload"): ("uploadTemplate", "Upload a template's file"),
    ("GET", "/api/v1/templates/{id}/roles"): ("listTemplateRoles", "List a template's roles"),
    ("POST", "/api/v1/templates/{id}/roles"): ("addTemplateRole", "Add a role (signer slot)"),
    ("PATCH", "/api/v1/templates/{id}/roles/{roleId}"): ("updateTemplateRole", "Update a role"),
    ("DELETE", "/api/v1/templates/{id}/roles/{roleId}"): ("removeTemplateRole", "Remove a role"),
    ("GET", "/api/v1/templates/{id}/fields"): ("listTemplateFields", "List a template's fields"),
    ("POST", "/api/v1/templates/{id}/fields"): ("addTemplateField", "Add a field to a template"),
    ("PATCH", "/api/v1/templates/{id}/fields/{fieldId}"): ("updateTemplateField", "Update a template's field"),
    ("DELETE", "/api/v1/templates/{id}/fields/{fieldId}"): ("removeTemplateField", "Remove a template's field"),
    ("POST", "/api/v1/campaigns/{id}/submissions"): ("submitCampaign", "A visitor's submission of a campaign"),
    ("DELETE", "/api/v1/documents/{id}/signers/{signerId}"): ("removeSigner", "Remove a signer"),
    ("DELETE", "/api/v1/documents/{id}/fields/{fieldId}"): ("removeField", "Remove a field"),
    ("GET", "/api/v1/openapi.json"): ("getOpenApiDocument", "This OpenAPI document"),
    ("GET", "/api/v1/documents/{id}/download"): ("downloadDocument", "Download a document's PDF"),
    ("GET", "/api/v1/signing/{token}/download"): ("downloadSignedCopy", "Download the signed PDF (participants)"),
    ("GET", "/api/v1/signing/{token}/pages/{page}"): ("getSigningPageImage", "A page of the document as a PNG"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"): ("listWebhookDeliveries", "List a webhook's deliveries"),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver"): (
        "redeliverWebhookDelivery",
        "Send a delivery again",
    ),
}

_INFO_DESCRIPTION = """\
The inSigner-compatible Cloud API v1 of Countersign.

* **Authentication:** `Authorization: Bearer isk_…` on every operation except this document.
  Each operation names the one scope it requires (`x-required-scope`, and in `security`).
* **Errors:** RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail` and,
  for validation errors, `errors[{field, message}]`. Every response carries `X-Request-Id`.
* **Rate limits:** 120 requests per minute per API key by default; every answer to a request with
  a key carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the
  window resets). Past a limit: 429 `…/rate-limited` with `Retry-After`. Webhook creations: 10 per
  hour per user. Repeated failed authentication (bad keys, unknown signing links) from one
  address: 429 for every request from it until the minute ends.
* **Idempotency:** every `POST` with an API key takes an optional `Idempotency-Key` (1–255
  printable characters, per organisation, kept 24 hours): a retry of the same request answers the
  first answer with `Idempotent-Replayed: true` and does nothing again; the key with another
  request is 422 `…/idempotency-key-mismatch`, while the first runs 409 `…/idempotency-key-in-use`.
* **Pagination:** list operations take `limit` (1–100, default 25) and an opaque `cursor`, and
  answer `{data, meta: {count, hasMore, nextCursor}}`.
* **Conventions:** timestamps are ISO 8601 UTC with milliseconds (`2026-05-28T12:00:00.000Z`);
  field coordinates `x`, `y`, `width`, `height` are PDF points (1/72 inch) measured from the top-left
  corner of the page, pages are numbered from 1.

See docs/api.md in the repository for the full guide.
"""


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def _camel(*words: str) -> str:
    parts = [p for w in words for p in re.split(r"[-_.]", w) if p]
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def operation_names(op: Operation, collection_paths: set[str]) -> tuple[str, str]:
    """(operationId, summary), derived from method and path unless `_NAMES` says otherwise."""
    if (op.method, op.path) in _NAMES:
        return _NAMES[(op.method, op.path)]
    segments = op.path.removeprefix("/api/v1/").split("/")
    literals = [s for s in segments if not s.startswith("{")]
    noun = literals[-1]
    one = _singular(noun)
    if segments[-1].startswith("{"):
        verb = {"GET": "get", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}.get(op.method, op.method.lower())
        return _camel(verb, one), f"{verb.capitalize()} a {one}"
    if op.method == "GET":
        return _camel("list", noun), f"List {noun}"
    if op.method == "POST" and op.path in collection_paths:
        return _camel("create", one), f"Create a {one}"
    # A POST on a path with no list behind it is an action on its parent (send, cancel, …).
    parent = _singular(literals[-2]) if len(literals) > 1 else "resource"
    return _camel(noun, parent), f"{noun.capitalize()} a {parent}"


def _tag(path: str) -> str:
    """The innermost known resource of the path, so actions (`…/{id}/send`) join their resource."""
    literals = [s for s in path.removeprefix("/api/v1/").split("/") if not s.startswith("{")]
    known = [_TAGS[s] for s in reversed(literals) if s in _TAGS]
    return known[0] if known else literals[0].capitalize()


def error_statuses(op: Operation, has_query: bool) -> list[int]:
    """The errors an operation can answer with, from what it takes and what it touches."""
    statuses = {500}
    has_path_params = bool(_PATH_PARAM.search(op.path))
    if op.scope is not None:
        statuses |= {401, 403, 429, 502}
    elif op.path.startswith(SIGNING_PREFIX):
        statuses.add(429)  # the client address's failed-authentication budget (unknown tokens)
    if has_path_params:
        statuses.add(404)
    if op.request is not None:
        statuses |= {400, 413, 415, 422}
    if has_query:
        statuses.add(400)
    # Changes to an existing document or its parts depend on the document's state.
    if has_path_params and op.method in ("POST", "PUT", "PATCH", "DELETE"):
        statuses.add(409)
    if idempotency.takes_idempotency_key(op):
        statuses |= {400, 409, 422}  # a malformed key; a key in use; a key used for another request
    statuses.update(op.extra_errors)
    return sorted(statuses)


def _deref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 16:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        seen += 1
    return schema


def _is_paginated(response: dict[str, Any] | None, defs: dict[str, Any]) -> bool:
    return response is not None and "meta" in _deref(response, defs).get("properties", {})


# Every paginated list takes these two (shared.pagination); query models hold only the filters.
_PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "Opaque cursor from the previous page's `meta.nextCursor`.",
        "schema": {"type": "string", "minLength": 1},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Items per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot carry JSON null: `X | None` means "may be omitted" there."""
    branches = schema.get("anyOf")
    if branches:
        rest = [b for b in branches if b != {"type": "null"}]
        if len(rest) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            merged.update(rest[0])
            if merged.get("default", 0) is None:
                del merged["default"]
            return merged
    return schema


def _query_model_parameters(model_ref: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _deref(model_ref, defs)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description or f"Filter by `{name}`.",
                "schema": prop,
            }
        )
    return params


def _path_parameters(path: str) -> list[dict[str, Any]]:
    descriptions = _PARAM_DESCRIPTIONS | ({"id": "Webhook id."} if path.startswith("/api/v1/webhooks") else {})
    if path.startswith("/api/v1/templates"):
        descriptions |= {"id": "Template id (`tpl_…`).", "roleId": "Role id (`ts_…`).", "fieldId": "Field id (`tf_…`)."}
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": descriptions.get(name, f"Identifier ({name})."),
            "schema": dict(_ID_SCHEMA),
        }
        for name in _PATH_PARAM.findall(path)
    ]


_IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": "Makes a retry safe (docs/api.md#idempotent-requests): for 24 hours, the same key with the "
    "same request answers the first answer again, with `Idempotent-Replayed: true`, and does nothing; "
    f"with another request it is 422 `{idempotency.KEY_MISMATCH}`; while the first is running, 409 "
    f"`{idempotency.KEY_IN_USE}`. Keys belong to the organisation.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
}
_REPLAYED = (
    "`true` when this answer is the stored answer to an earlier request with the same Idempotency-Key.",
    "string",
)
_IDEMPOTENCY_ERRORS = {
    400: f"Malformed JSON, an invalid query parameter, or an Idempotency-Key that is empty, longer than "
    f"{idempotency.MAX_KEY_LENGTH} characters or not printable ASCII (`{idempotency.INVALID_KEY}`).",
    409: f"The resource's state forbids this; or a request with the same Idempotency-Key is still in "
    f"progress (`{idempotency.KEY_IN_USE}`), or was done but its answer was too large to keep "
    f"(`{idempotency.NOT_STORED}`).",
    422: f"Invalid fields; or the Idempotency-Key was already used with another request "
    f"(`{idempotency.KEY_MISMATCH}`).",
}


def _docstring(model: type[BaseModel] | None) -> str | None:
    doc = (model.__doc__ or "").strip() if model is not None else ""
    return doc.splitlines()[0] if doc else None


def _data_model(envelope: type[BaseModel] | None) -> type[BaseModel] | None:
    """The model inside `data` (or inside `data`'s list) of a response envelope."""
    field = envelope.model_fields.get("data") if envelope is not None else None
    if field is None:
        return None
    candidates = [field.annotation, *get_args(field.annotation)]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def _success(op: Operation, schema: dict[str, Any] | None) -> dict[str, Any]:
    word = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content"}.get(op.status, "Success")
    model = op.response if isinstance(op.response, type) else None
    doc = _docstring(model)
    # Envelope docstrings that merely name their route ("GET /api/v1/…") say less than the
    # docstring of what the envelope carries.
    if doc and doc.split(" ", 1)[0] in _METHODS:
        doc = _docstring(_data_model(model))
    described = doc and doc.split(" ", 1)[0] not in _METHODS
    response: dict[str, Any] = {"description": f"{word}: {doc}" if described else word}
    if op.scope is not None:
        response["headers"] = _header_refs(_LIMIT_HEADERS)
    if idempotency.takes_idempotency_key(op):
        response["headers"] |= _header_refs({idempotency.REPLAYED_HEADER: None})
    if schema is not None:
        response["content"] = {op.media_type: {"schema": schema}}
    return response


def _error_ref(status: int, op: Operation) -> dict[str, Any]:
    if status not in _ERRORS:  # an operation's extra status (EXTRA_ERROR_STATUSES) without a shared entry
        return {
            "description": f"Problem details (HTTP {status}).",
            "content": {PROBLEM_MEDIA: {"schema": {"$ref": REF.format(model="ProblemDetails")}}},
        }
    ref: dict[str, Any] = {"$ref": f"#/components/responses/{_ERRORS[status][0]}"}
    if status == 403 and op.scope:
        ref["description"] = f"The API key lacks the `{op.scope}` scope."
    elif status in _IDEMPOTENCY_ERRORS and idempotency.takes_idempotency_key(op):
        ref["description"] = _IDEMPOTENCY_ERRORS[status]
    elif status == 415 and op.request_media != "application/json":  # the shared entry speaks of JSON
        ref["description"] = f"The body was not sent as `{op.request_media}`."
    elif status == 403:  # no key: the signing API, whose 403s are about the one-time code
        ref["description"] = (
            "The signer has not verified their one-time code (`otp-required`), or too many "
            "wrong codes locked them out until the sender re-sends the link (`otp-locked`)."
        )
    return ref


def _header_refs(names: dict[str, Any]) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _components_headers() -> dict[str, Any]:
    headers = {
        name: {"description": description, "schema": {"type": kind, "minimum": 0}}
        for name, (description, kind) in (_LIMIT_HEADERS | {"Retry-After": _RETRY_AFTER}).items()
    }
    description, _ = _REPLAYED
    headers[idempotency.REPLAYED_HEADER] = {"description": description, "schema": {"type": "string", "enum": ["true"]}}
    return headers


def _components_responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (name, description, example) in _ERRORS.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {
                PROBLEM_MEDIA: {"schema": {"$ref": REF.format(model="ProblemDetails")}, "example": example.to_dict()}
            },
        }
        # Errors answered to a request with an API key carry its window too (absent on signer
        # routes, which have no key, and when the key has no limit).
        response["headers"] = _header_refs(_LIMIT_HEADERS | ({"Retry-After": None} if status == 429 else {}))
        responses[name] = response
    return responses


def _model_schemas(
    operations: Sequence[Operation],
) -> tuple[dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]], dict[str, Any]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ProblemDetails, "serialization"): None}
    for op in operations:
        if op.request is not None:
            wanted[(op.request, "validation")] = None
        if op.query is not None:
            wanted[(op.query, "validation")] = None
        if isinstance(op.response, type):
            wanted[(op.response, "serialization")] = None
    refs, top = models_json_schema(list(wanted), ref_template=REF)
    # Only BaseModel subclasses go in, so only they come out (pydantic types the keys wider).
    return refs, top.get("$defs", {})  # type: ignore[return-value]


def _operation(
    op: Operation, refs: dict[Any, dict[str, Any]], defs: dict[str, Any], collection_paths: set[str]
) -> dict[str, Any]:
    response_schema = refs[(op.response, "serialization")] if isinstance(op.response, type) else op.response
    query: list[dict[str, Any]] = []
    if op.method == "GET" and _is_paginated(response_schema, defs):
        query += [dict(p) for p in _PAGE_PARAMETERS]
    if op.query is not None:
        query += _query_model_parameters(refs[(op.query, "validation")], defs)
    parameters = _path_parameters(op.path) + query
    if idempotency.takes_idempotency_key(op):
        parameters.append(dict(_IDEMPOTENCY_KEY_PARAMETER))

    operation_id, summary = operation_names(op, collection_paths)
    entry: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Required scope: `{op.scope}`." if op.scope else "No API key needed.",
        "tags": [_tag(op.path)],
        "security": [{SECURITY_SCHEME: [op.scope]}] if op.scope else [],
    }
    if op.scope:
        entry["x-required-scope"] = op.scope
    if op.body_scopes:
        entry["description"] += " Depending on the body, also: " + ", ".join(f"`{s}`" for s in op.body_scopes) + "."
    if op.extension:
        entry["x-countersign-extension"] = True
        entry["description"] = "Countersign extension (not in the inSigner reference). " + entry["description"]
    if parameters:
        entry["parameters"] = parameters
    if op.request is not None:
        entry["requestBody"] = {
            "required": True,
            "description": _docstring(op.request) or "JSON body.",
            "content": {op.request_media: {"schema": refs[(op.request, "validation")]}},
        }
    responses: dict[str, Any] = {str(op.status): _success(op, response_schema)}
    for status in error_statuses(op, has_query=bool(query)):
        responses[str(status)] = _error_ref(status, op)
    entry["responses"] = responses
    return entry


def build_spec(operations: Sequence[Operation], public_url: str, version: str = "1.0.0") -> dict[str, Any]:
    refs, defs = _model_schemas(operations)
    collection_paths = {op.path for op in operations if op.method == "GET" and not op.path.endswith("}")}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs, defs, collection_paths)
    used_tags = list(dict.fromkeys(op["tags"][0] for item in paths.values() for op in item.values()))

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Countersign API",
            "version": version,
            "summary": "E-signature API compatible with inSigner Cloud API v1.",
            "description": _INFO_DESCRIPTION,
        },
        "servers": [{"url": public_url.rstrip("/") or "/"}],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [{"name": t, "description": _TAG_DESCRIPTIONS.get(t, t)} for t in used_tags],
        "paths": paths,
        "components": {
            "schemas": defs,
            "responses": _components_responses(),
            "headers": _components_headers(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "isk_ followed by 44 URL-safe characters",
                    "description": "An inSigner-style API key: `Authorization: Bearer isk_…`. "
                    "Each operation lists the one scope it requires; `*` and "
                    "`<resource>.*` wildcards grant every matching scope.",
                },
            },
        },
    }
