"""WordPress REST error bodies: `{"code", "message", "data": {"status", ...}}` (pure, no I/O).

Every error on /wp-json/wpsigner/v1 leaves in this shape (middleware.py guarantees it). Codes are
the reference's where it names one (`rest_forbidden`, `not_found`, `forbidden`, `no_signers`)
and WordPress core's for what WordPress itself answers (`rest_no_route`, `rest_invalid_json`,
`rest_missing_callback_param`, `rest_invalid_param`); docs/wpsigner.md lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from aiohttp import web
from pydantic import ValidationError


class WpError(Exception):
    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def error_response(error: WpError, headers: Mapping[str, str] | None = None) -> web.Response:
    response = web.Response(
        body=orjson.dumps(error.body()), status=error.status, content_type="application/json", charset="UTF-8"
    )
    response.headers.update(error.headers)
    if headers:
        response.headers.update(headers)
    return response


# --- the reference's errors -------------------------------------------------------------------


def not_found(what: str = "Document") -> WpError:
    return WpError(404, "not_found", f"{what} not found.")


def forbidden() -> WpError:
    """A non-admin credential and another member's document (the seed's wording)."""
    return WpError(403, "forbidden", "Permission denied.")


def bad_credentials(message: str = "Invalid API key or secret.") -> WpError:
    return WpError(401, "rest_forbidden", message)


def read_only() -> WpError:
    return WpError(403, "rest_forbidden", "This API key is read-only: only GET requests are allowed.")


def read_only_download() -> WpError:
    """A Read Only credential asked for a download URL, which is a credential in itself."""
    return WpError(
        403, "rest_forbidden", "This API key is read-only: download URLs are issued to Full Access keys only."
    )


def rate_limited(retry_after: int) -> WpError:
    error = WpError(429, "rest_rate_limit_exceeded", "Rate limit exceeded. Please try again later.")
    error.headers["Retry-After"] = str(max(retry_after, 1))
    return error


# --- WordPress core's errors ------------------------------------------------------------------


def no_route() -> WpError:
    return WpError(404, "rest_no_route", "No route was found matching the URL and request method.")


def method_not_allowed(method: str, allowed: str | None) -> WpError:
    error = WpError(405, "rest_no_route", f"Method {method} is not allowed on this route.")
    if allowed:
        error.headers["Allow"] = allowed
    return error


def invalid_json() -> WpError:
    return WpError(400, "rest_invalid_json", "Invalid JSON body passed.")


def too_large() -> WpError:
    return WpError(413, "rest_payload_too_large", "The request body is too large.")


def missing_params(names: Iterable[str]) -> WpError:
    listed = sorted(set(names))
    return WpError(400, "rest_missing_callback_param", f"Missing parameter(s): {', '.join(listed)}", params=listed)


def invalid_params(params: Mapping[str, str]) -> WpError:
    return WpError(400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(params)}", params=dict(params))


def from_validation(exc: ValidationError) -> WpError:
    """A pydantic error of a WPsigner request model: missing parameters first, as WordPress
    checks `required` before validating values."""
    missing: list[str] = []
    invalid: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err.get("loc") else "body"
        if err.get("type") == "missing":
            missing.append(name)
        else:
            invalid.setdefault(name, _wordpress_message(name, err))
    return missing_params(missing) if missing else invalid_params(invalid)


_TYPE_NAMES = {
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_parsing": "number",
    "bool_parsing": "boolean",
    "string_type": "string",
    "list_type": "array",
}


def _wordpress_message(name: str, err: Mapping[str, Any]) -> str:
    """WordPress's own wording (rest_validate_value_from_schema) where it has one."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in _TYPE_NAMES:
        return f"{name} is not of type {_TYPE_NAMES[kind]}."
    if kind == "greater_than_equal":
        return f"{name} must be greater than or equal to {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{name} must be less than or equal to {ctx.get('le')}"
    if kind == "string_too_long":
        return f"{name} must be at most {ctx.get('max_length')} characters long."
    return f"{name}: {str(err.get('msg', 'Invalid value')).removeprefix('Value error, ')}"


def for_http_status(status: int, method: str, allowed: str | None = None) -> WpError:
    """aiohttp's own refusals (no route, wrong method, body too large) in the WordPress shape."""
    if status == 404:
        return no_route()
    if status == 405:
        return method_not_allowed(method, allowed)
    if status == 413:
        return too_large()
    if status == 400:
        return WpError(400, "rest_bad_request", "The request is malformed.")
    return WpError(status, "rest_error", "The request was refused.")


def internal_error() -> WpError:
    return WpError(500, "internal_error", "An unexpected error occurred.")


def unavailable() -> WpError:
    error = WpError(503, "service_unavailable", "A backing service is temporarily unavailable; try again shortly.")
    error.headers["Retry-After"] = "2"
    return error


def upstream_unavailable() -> WpError:
    return WpError(502, "upstream_unavailable", "An internal service is unavailable; try again shortly.")
