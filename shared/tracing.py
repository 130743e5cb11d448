"""Distributed tracing (OpenTelemetry), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

Off, nothing is installed: no provider, no exporter, no instrumentation; every helper below
returns at its first test of `_tracer` and the W3C context stored with outbox rows, emails and
webhook deliveries is NULL. On (`configure_tracing`, called by every service's `__main__`), spans
are exported by OTLP (HTTP/protobuf; the exporter reads the standard OTEL_EXPORTER_OTLP_* variables)
and the W3C `traceparent` travels:

- over HTTP: the server middleware here continues an incoming `traceparent`; aiohttp client
  sessions are instrumented (opentelemetry-instrumentation-aiohttp-client) and inject it;
- through the database: `current_carrier()` is stored with an outbox row (or a queued email or
  webhook delivery) in the request's transaction; whoever sends it later continues that trace
  with `continued(carrier, ...)`;
- over RabbitMQ: `Broker.publish` puts `current_carrier()` in the message headers, and the
  consumer base continues the trace from them (shared/broker.py).

The messaging and server spans are written here rather than by the contrib instrumentations: the
relay must parent each publish on the context stored in its row (not on the relay's own), and the
aiohttp server instrumentation records the raw path and URL (`http.target`, `http.url`) on each
span, and signing tokens live in paths.
The provider is passed explicitly rather than set globally, so a test can enable tracing with an
in-memory exporter and disable it again (`enable` / `disable`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aiohttp import web
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

    from shared.settings import Settings

_PROPAGATOR = TraceContextTextMapPropagator()  # W3C traceparent / tracestate, nothing else
_tracer: trace.Tracer | None = None
_provider: TracerProvider | None = None
_instrumentors: list[Any] = []
_owned: list[TracerProvider] = []

Carrier = Mapping[str, Any]


def enabled() -> bool:
    return _tracer is not None


def configure_tracing(service: str, settings: Settings) -> None:
    """At a service's start: tracing with OTLP export when an endpoint is configured, else off."""
    if not settings.otel_exporter_otlp_endpoint:
        return
    # Imported only here: a process without an endpoint never loads the SDK or the exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from shared.trace_sampling import sampler

    # OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the standard override for traces alone, still wins.
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    exporter = OTLPSpanExporter(endpoint=os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": f"countersign-{service}"}), sampler=sampler())
    provider.add_span_processor(BatchSpanProcessor(exporter))
    enable(provider)
    _owned.append(provider)  # made here, so `disable` shuts it down (its export thread with it)


def enable(provider: TracerProvider) -> None:
    """Start tracing into `provider` (its processors decide where spans go)."""
    global _tracer, _provider
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    disable()
    _provider = provider
    _tracer = provider.get_tracer("countersign")
    client = AioHttpClientInstrumentor()
    client.instrument(tracer_provider=provider, url_filter=redact_url)
    database = AsyncPGInstrumentor()
    database.instrument(tracer_provider=provider)
    _instrumentors.extend([client, database])


def disable() -> None:
    global _tracer, _provider
    _tracer = _provider = None
    while _owned:
        _owned.pop().shutdown()
    while _instrumentors:
        _instrumentors.pop().uninstrument()


def flush(timeout_millis: int = 10_000) -> bool:
    """Export what is buffered now (blocking; call it from a thread in async code)."""
    return _provider.force_flush(timeout_millis) if _provider is not None else True


_TOKEN_SEGMENT = re.compile(r"(/sign(?:ing)?/)[^/?#]+")


def redact_url(url: Any) -> str:
    """What a client span records of a URL: no signing token (they live in paths) and no query
    string (presigned S3 URLs carry their signature there)."""
    text = str(url).split("?", 1)[0].split("#", 1)[0]
    return _TOKEN_SEGMENT.sub(r"\1[token]", text)


def current_trace_id() -> str | None:
    """The active span's trace id (32 hex digits), for log lines; None when there is none."""
    if _tracer is None:
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def current_carrier() -> dict[str, str] | None:
    """The active trace context as W3C headers, to store or send along; None when off or idle."""
    if _tracer is None:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier or None


def _text_getter_carrier(carrier: Carrier | None) -> dict[str, str]:
    # RabbitMQ headers may arrive as bytes; stored carriers are JSON objects of strings.
    out: dict[str, str] = {}
    for key, value in (carrier or {}).items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            out[key.lower()] = value
    return out


@contextmanager
def continued(
    carrier: Carrier | None, name: str, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span | None]:
    """A span, current while the block runs, continuing the trace in `carrier` (W3C headers from
    a request, a message or a stored row); a new trace when the carrier has none. Yields None
    when tracing is off."""
    if _tracer is None:
        yield None
        return
    parent = _PROPAGATOR.extract(_text_getter_carrier(carrier))
    with _tracer.start_as_current_span(name, context=parent, kind=kind, attributes=dict(attributes or {})) as span:
        yield span


def _route_of(request: web.Request) -> str:
    info = request.match_info
    resource = info.route.resource if info is not None and info.route is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def tracing_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A server span per request, named by its route template (never the raw path)."""
    if _tracer is None or request.path in ("/healthz", "/readyz"):
        return await handler(request)
    route = _route_of(request)
    attributes = {"http.request.method": request.method, "http.route": route, "server.port": request.url.port or 0}
    with continued(request.headers, f"{request.method} {route}", SpanKind.SERVER, attributes) as span:
        assert span is not None
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            _record_status(span, exc.status)
            raise
        _record_status(span, response.status)
        return response


def _record_status(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
