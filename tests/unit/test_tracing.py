"""shared/tracing.py: off by default (nothing installed, nothing carried), and when on, W3C context
continued from a carrier, handed on as a carrier, and printed in log lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared import tracing
from shared.logging import JsonFormatter
from shared.settings import Settings
from shared.web import base_app

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def log_line(message: str) -> dict[str, object]:
    record = logging.LogRecord("countersign.test", logging.INFO, __file__, 1, message, None, None)
    return orjson.loads(JsonFormatter().format(record))


def test_off_without_an_endpoint_and_nothing_is_carried() -> None:
    tracing.configure_tracing("gateway", Settings(otel_exporter_otlp_endpoint=None))
    assert not tracing.enabled()
    assert tracing.current_carrier() is None and tracing.current_trace_id() is None
    with tracing.continued({"traceparent": TRACEPARENT}, "work") as span:
        assert span is None
        assert "traceId" not in log_line("inside")
    assert tracing.tracing_middleware not in base_app(1024).middlewares


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    yield exporter
    tracing.disable()
    provider.shutdown()


def test_a_carrier_is_continued_and_handed_on(spans: InMemorySpanExporter) -> None:
    with tracing.continued({"TraceParent": TRACEPARENT.encode()}, "process", SpanKind.CONSUMER) as span:
        assert span is not None
        carrier = tracing.current_carrier()
        assert carrier is not None
        version, trace_id, parent_id, _ = carrier["traceparent"].split("-")
        assert (version, trace_id) == ("00", TRACE_ID)
        assert parent_id == format(span.get_span_context().span_id, "016x") != PARENT_ID
        assert log_line("inside")["traceId"] == TRACE_ID
    assert "traceId" not in log_line("outside")
    (finished,) = spans.get_finished_spans()
    assert finished.name == "process" and finished.kind is SpanKind.CONSUMER
    assert finished.parent is not None and format(finished.parent.span_id, "016x") == PARENT_ID


def test_without_a_carrier_a_new_trace_starts(spans: InMemorySpanExporter) -> None:
    with tracing.continued(None, "relay"):
        trace_id = tracing.current_trace_id()
    (finished,) = spans.get_finished_spans()
    assert finished.parent is None and trace_id == format(finished.context.trace_id, "032x")  # type: ignore[union-attr]
    assert trace_id != TRACE_ID


def test_the_middleware_is_installed_only_while_tracing_is_on(spans: InMemorySpanExporter) -> None:
    assert base_app(1024).middlewares[0] is tracing.tracing_middleware


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        ("http://d:8081/api/v1/signing/abcDEF_-123/download?x=1", "http://d:8081/api/v1/signing/[token]/download"),
        ("http://g:8080/sign/abcDEF#frag", "http://g:8080/sign/[token]"),
        ("https://s3.example/bucket/k?X-Amz-Signature=secret", "https://s3.example/bucket/k"),
        ("https://hooks.example/in", "https://hooks.example/in"),
    ],
)
def test_client_spans_record_urls_without_tokens_or_queries(url: str, recorded: str) -> None:
    assert tracing.redact_url(url) == recorded


def test_a_lone_query_is_not_a_trace_but_a_query_inside_work_is_kept() -> None:
    from shared.trace_sampling import sampler

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("SELECT", attributes={"db.system": "postgresql"}):
        pass  # a worker's poll: no parent
    with tracer.start_as_current_span("notifier process document.sent"):
        with tracer.start_as_current_span("INSERT", attributes={"db.system": "postgresql"}):
            pass
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["INSERT", "notifier process document.sent"]
    provider.shutdown()
