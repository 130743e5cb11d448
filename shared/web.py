"""What every service's aiohttp app shares: JSON responses, problem errors, request ids,
body parsing into pydantic models, health endpoints and the run loop."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from shared.ids import is_plausible_id
from shared.logging import log_fields, request_id_var
from shared.metrics import METRICS, observe_request
from shared.problems import Problem, not_found, pydantic_errors
from shared.tracing import enabled as tracing_enabled
from shared.tracing import tracing_middleware

log = logging.getLogger("countersign.http")

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

ModelT = TypeVar("ModelT", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ReadinessCheck = Callable[[], Awaitable[None]]

# Failures that mean "a server we depend on is away", not "this request or our code is wrong".
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, restarting, starting up
    asyncpg.TooManyConnectionsError,
)

READINESS_CHECKS: web.AppKey[dict[str, ReadinessCheck]] = web.AppKey("readiness_checks", dict)

# Set by an internal service's authentication (shared/context.py) on a request the gateway
# forwarded for a client (caller `public`, credential checked). The gateway's request line, under
# the same request id, already records that client request, so the service writes a line of its
# own only when it refused or failed it (4xx/5xx). A second line per proxied read was ~6 % of the
# documents service's CPU; its time per route stays in the metrics histogram.
PROXIED: web.RequestKey[bool] = web.RequestKey("countersign.proxied", bool)


def dumps(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def problem_response(problem: Problem) -> web.Response:
    return web.Response(
        body=orjson.dumps(problem.to_dict()),
        status=problem.status,
        content_type="application/problem+json",
        headers=problem.headers or None,
    )


def new_request_id() -> str:
    # 128 random bits as 32 hex digits, the shape uuid4().hex had, without building a UUID
    # object per request (a sixth of the cost: 0.5 against 2.8 µs; most clients send none).
    return os.urandom(16).hex()


def incoming_request_id(request: web.Request) -> str:
    candidate = request.headers.get(REQUEST_ID_HEADER, "")
    return candidate if _VALID_REQUEST_ID.match(candidate) else new_request_id()


_TOKEN_SEGMENT = re.compile(r"(/sign(?:ing)?/)[^/]+")


def redact_path(path: str) -> str:
    """Signing tokens travel in URLs; they never reach a log line."""
    # The substring test first: most paths hold no token, and it is far cheaper than the search.
    return _TOKEN_SEGMENT.sub(r"\1[token]", path) if "/sign" in path else path


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = incoming_request_id(request)
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        if request.path not in ("/healthz", "/readyz") and (status >= 400 or not request.get(PROXIED)):
            log.info(
                "request",
                extra=log_fields(
                    method=request.method,
                    path=redact_path(request.path),
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                ),
            )
        request_id_var.reset(token)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Times every request for Prometheus under its route template (shared/metrics.py). Outside
    problem_middleware, so it sees the status the client gets; a no-op in an app without metrics."""
    metrics = request.config_dict.get(METRICS)
    if metrics is None:
        return await handler(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away mid-request: not an answer we gave
        raise
    finally:
        observe_request(metrics.service, request, status, time.perf_counter() - started)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as problem+json; internals never leak into a 500."""
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem)
    except web.HTTPRequestEntityTooLarge:
        return problem_response(Problem(413, "The request body is too large"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = {
            404: "No route matches this path",
            405: f"Method {request.method} is not allowed on this path",
        }.get(exc.status, exc.reason)
        response = problem_response(Problem(exc.status, detail))
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except asyncio.CancelledError:
        raise
    except UNAVAILABLE_ERRORS as exc:
        if request.transport is None or request.transport.is_closing():
            # The client hung up mid-request (its body never finished arriving): nobody to
            # answer, and nothing wrong on our side.
            log.info("client disconnected", extra=log_fields(error=repr(exc)))
            return web.Response(status=499)
        # The database (or another backing service) is away, e.g. restarting: the request was
        # fine and can be retried, so this is 503, not a 500 that looks like our bug.
        log.warning("backing service unavailable", extra=log_fields(error=repr(exc)))
        response = problem_response(Problem(503, "A backing service is temporarily unavailable; try again shortly"))
        response.headers["Retry-After"] = "2"
        return response
    except Exception:
        log.exception("unhandled error")
        return problem_response(Problem(500, "An unexpected error occurred"))


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or application/<anything>+json, with an optional UTF-8 charset (JSON is
    UTF-8 by definition, RFC 8259); parameters and case as HTTP allows them."""
    if not content_type:
        return False
    media_type, _, parameters = content_type.partition(";")
    main, _, subtype = media_type.strip().lower().partition("/")
    if main != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def unsupported_media_type() -> Problem:
    return Problem(
        415, "A request body must be JSON, sent with Content-Type: application/json", slug="unsupported-media-type"
    )


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 400 problem. An empty body reads as `{}` whatever its
    content type (POST /send with no body at all is the common case); a non-empty one must be
    declared as JSON (415 otherwise), so a form or text body is never read as JSON by accident."""
    raw = await request.read()
    if not raw.strip():
        return {}
    if not is_json_media_type(request.headers.get("Content-Type")):
        raise unsupported_media_type()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(400, "The request body is not valid JSON", slug="invalid-json") from None


async def read_model(request: web.Request, model: type[ModelT]) -> ModelT:
    body = await read_json(request)
    return validate_model(model, body)


def validate_model(model: type[ModelT], data: Any) -> ModelT:
    if not isinstance(data, dict):
        raise Problem(400, "The request body must be a JSON object", slug="invalid-json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "The request body contains invalid fields", errors=pydantic_errors(exc)) from None


def path_id(request: web.Request, name: str, what: str) -> str:
    """The id in the path parameter `name`; one that cannot be ours is a 404 ("<what> not found")
    before any SQL runs, exactly like one that is ours but unknown."""
    value = request.match_info[name]
    if not is_plausible_id(value):
        raise not_found(what)
    return value


async def _healthz(_: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    results: dict[str, str] = {}
    ready = True
    for name, check in request.app[READINESS_CHECKS].items():
        try:
            await asyncio.wait_for(check(), timeout=3)
            results[name] = "ok"
        except Exception as exc:  # a readiness probe reports, it never raises
            ready = False
            results[name] = f"failing: {type(exc).__name__}"
    return json_response({"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503)


# aiohttp's defaults: the longest request line and the longest single header (name and value)
# its parser accepts; beyond them shared.http_server answers 414 / 431 problems.
DEFAULT_MAX_LINE_BYTES = 8190
DEFAULT_MAX_HEADER_BYTES = 8190


def base_app(
    max_body_bytes: int,
    extra_middlewares: list[Any] | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
) -> web.Application:
    # Outermost, so its span covers the request's whole handling and sees the final status; only
    # when tracing is on (decided at start-up), so the default path has no extra step.
    tracing = [tracing_middleware] if tracing_enabled() else []
    app = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[
            *tracing,
            request_id_middleware,
            metrics_middleware,
            problem_middleware,
            *(extra_middlewares or []),
        ],
        handler_args={"max_line_size": max_line_bytes, "max_field_size": max_header_bytes},
    )
    app[READINESS_CHECKS] = {}
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    return app


def add_readiness_check(app: web.Application, name: str, check: ReadinessCheck) -> None:
    app[READINESS_CHECKS][name] = check


def run_service(app: web.Application, host: str, port: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is optional on exotic platforms
        pass
    # Imported here: shared.http_server builds its answers with this module's problem_response.
    from shared.http_server import serve_forever

    # serve_forever returns after SIGTERM / Ctrl-C once the graceful stop is done: exit code 0.
    asyncio.run(serve_forever(app, host, port, access_log=None))
