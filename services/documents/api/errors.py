"""Domain refusals → problem+json: the one place that gives each its status, slug and text.

Use cases raise the domain's exceptions (domain/errors.py, the state machines' refusals); the
middleware below turns them into `Problem`s for shared.web's problem middleware to render. The
texts of the state machines' refusals are the API's contract (clients and tests read them):
change them here, nowhere else. A `Refusal` brings its own words and code; here it gets the
status of its kind, its field errors and (a 429) its Retry-After header.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from services.documents.domain.errors import (
    Blocked,
    Conflicting,
    DomainError,
    Gone,
    Invalid,
    Missing,
    NotFound,
    Refusal,
    TooSoon,
    Unavailable,
)
from services.documents.domain.signer_states import AlreadyActed, NotYourTurn, SignerTransitionNotAllowed, WrongRole
from services.documents.domain.statemachine import TransitionNotAllowed
from shared.problems import FieldError, Problem, conflict, not_found

# The status of each kind of refusal (domain/errors.py).
REFUSAL_STATUS: dict[type[Refusal], int] = {
    Invalid: 422,
    Conflicting: 409,
    Gone: 410,
    Blocked: 403,
    Missing: 404,
    Unavailable: 503,
    TooSoon: 429,
}


def refusal_problem(error: Refusal) -> Problem:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooSoon) else {}
    return Problem(
        next(status for kind, status in REFUSAL_STATUS.items() if isinstance(error, kind)),
        error.detail,
        errors=[FieldError(issue.field, issue.message) for issue in error.fields],
        slug=error.code,
        headers=headers,
    )


def to_problem(error: DomainError) -> Problem:
    match error:
        case NotFound():
            return not_found(error.what)
        case Refusal():
            return refusal_problem(error)
        case TransitionNotAllowed():
            return conflict(error.reason)
        case AlreadyActed() | SignerTransitionNotAllowed():
            # Said to the signer acting through their own link.
            return conflict(f"You have already {error.status.value} this document", slug=f"signer-{error.status.value}")
        case WrongRole():
            verb = "approve" if error.role == "approver" else "sign"
            return conflict(f"This link is for a {error.role}: use /{verb}", slug="wrong-role")
        case NotYourTurn():
            return conflict("It is not your turn yet: earlier signers must finish first", slug="not-your-turn")
    raise TypeError(f"no problem is defined for {type(error).__name__}")  # a new error needs its mapping here


@web.middleware
async def domain_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as error:
        raise to_problem(error) from None


def add_domain_errors(app: web.Application) -> None:
    """Innermost middleware: a refusal becomes a Problem before shared.web renders it."""
    app.middlewares.append(domain_errors_middleware)
