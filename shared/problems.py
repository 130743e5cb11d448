"""RFC 9457 problem details, as the inSigner API documents them.

Every error on `/api/v1` is raised as a `Problem` (or turned into one by the middleware in
`shared.web`) and rendered as `application/problem+json` with `type`, `title`, `status`,
`detail` and, for validation errors, `errors[{field, message}]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

ERROR_TYPE_BASE = "https://docs.insigner.com/errors/"

# status -> (type slug, title). The slugs of the documented statuses are the reference's.
_KINDS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not Found"),
    405: ("method-not-allowed", "Method Not Allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload Too Large"),
    414: ("uri-too-long", "URI Too Long"),
    415: ("unsupported-media-type", "Unsupported Media Type"),
    422: ("validation-error", "Validation Error"),
    429: ("rate-limited", "Too Many Requests"),
    431: ("request-header-fields-too-large", "Request Header Fields Too Large"),
    500: ("internal-error", "Internal Server Error"),
    502: ("bad-gateway", "Bad Gateway"),
    503: ("service-unavailable", "Service Unavailable"),
}


@dataclass
class FieldError:
    field: str
    message: str


class FieldErrorBody(TypedDict):
    field: str
    message: str


class ProblemBody(TypedDict):
    """The application/problem+json body, as `Problem.to_dict` renders it."""

    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[list[FieldErrorBody]]


@dataclass
class Problem(Exception):
    status: int
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    # Overrides the slug derived from the status, for more specific machine-readable codes.
    slug: str | None = None
    # Response headers that belong with the error (e.g. Retry-After on a 429).
    headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> ProblemBody:
        default_slug, title = _KINDS.get(self.status, ("error", "Error"))
        body: ProblemBody = {
            "type": ERROR_TYPE_BASE + (self.slug or default_slug),
            "title": title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


def not_found(what: str = "Resource") -> Problem:
    return Problem(404, f"{what} not found")


def conflict(detail: str, slug: str | None = None) -> Problem:
    return Problem(409, detail, slug=slug)


def validation(errors: list[FieldError], detail: str = "The request body contains invalid fields") -> Problem:
    return Problem(422, detail, errors=errors)


def pydantic_errors(exc: object) -> list[FieldError]:
    """Turn a pydantic ValidationError into field errors with dotted field paths."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):  # type: ignore[attr-defined]
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",))
        message = err.get("msg", "Invalid value")
        if err.get("type") == "missing":
            message = "Required"
        elif err.get("type") == "extra_forbidden":
            message = "Unknown field"
        out.append(FieldError(loc or "body", message.removeprefix("Value error, ")))
    return out
