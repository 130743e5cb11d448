"""One trace follows a send: gateway → documents → outbox → RabbitMQ → audit and notifier →
SMTP send and webhook POST, with the W3C context carried over HTTP, through the outbox row and
the email / delivery rows, and in the message headers.

Spans go to opentelemetry-sdk's InMemorySpanExporter (the SDK's real span processor, nothing of
ours replaced). Tracing is switched on for a whole system of its own (database and AMQP namespace
`<namespace>_traces`), started after `tracing.enable`, and switched off again after it, so the
session's system and every other test run with tracing off, the default.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import orjson
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.gateway import credentials
from shared import tracing
from shared.db import create_pool
from shared.logging import JsonFormatter
from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.test_signing_flow import Flow, signature
from tests.email_peers import own_settings
from tests.harness import System, reset_infrastructure, start_system
from tests.peers import Mailbox
from tests.scratch import delete_amqp_namespace, eventually
from tests.spec_check import Conformance, Driver
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

SEND_ROUTE = "/api/v1/documents/{id}/send"


@dataclass
class Traced:
    system: System
    spans: InMemorySpanExporter
    db: asyncpg.Pool
    http: aiohttp.ClientSession

    def port(self, service: str) -> int:
        port = urlsplit(self.system.services[service].url).port
        assert port is not None
        return port

    def of_trace(self, trace_id: int) -> list[ReadableSpan]:
        return [s for s in self.spans.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id]


@pytest.fixture(scope="module")
async def traced(prepared: Settings) -> AsyncIterator[Traced]:
    settings = own_settings(prepared, "traces", webhook_allow_loopback=True, webhook_poll_seconds=0.05, db_pool_max=3)
    await reset_infrastructure(settings)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    try:
        system = await start_system(settings)
        db = await create_pool(system.settings, min_size=1, max_size=2)
        # Opened while tracing is on, so its requests carry a traceparent the gateway continues
        # (as a client's would); the session-wide `http` stays untouched.
        async with aiohttp.ClientSession() as http:
            yield Traced(system, exporter, db, http)
        await db.close()
        await system.stop()
    finally:
        tracing.disable()
        provider.shutdown()
        await delete_amqp_namespace(settings)


class LogLines(logging.Handler):
    """Our JSON log lines, as the services write them, kept in memory."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(orjson.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    handler = LogLines()
    logger = logging.getLogger("countersign")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def trace_id_of(traceparent: str) -> int:
    version, trace_id, _parent, _flags = traceparent.split("-")
    assert version == "00" and len(trace_id) == 32
    return int(trace_id, 16)


def parent_of(traceparent: str) -> int:
    return int(traceparent.split("-")[2], 16)


async def test_one_trace_spans_a_send_from_the_gateway_to_smtp_and_the_webhook(
    traced: Traced, conformance: Conformance, mailbox: Mailbox, log_lines: LogLines
) -> None:
    async with traced.db.acquire() as conn:
        created = await credentials.create_insigner_key(conn, f"Traces {uuid.uuid4().hex}", ["*"], "k")
    api = Api(traced.http, traced.system.gateway_url, created.api_key, created.org_id)
    call = Driver(conformance)
    flow = Flow(call, api, traced.system, traced.http, traced.db)
    receiver = await Receiver().start()
    try:
        await call(api, "POST", "/api/v1/webhooks", 201, json={"url": receiver.url, "events": ["document.sent"]})
        recipient = f"tess-{uuid.uuid4().hex[:8]}@example.com"
        doc_id, _ = await flow.draft(signers=[{"email": recipient, "name": "Tess"}], fields=[signature(0)])
        await flow.send(doc_id)
        (hook,) = await receiver.wait_for(1)
        await mailbox.wait_for(lambda m: recipient in str(m.get("To", "")))
    finally:
        await receiver.stop()

    def server_spans(service: str) -> list[ReadableSpan]:
        return [
            s
            for s in traced.spans.get_finished_spans()
            if s.kind is SpanKind.SERVER
            and s.attributes is not None
            and s.attributes.get("http.route") == SEND_ROUTE
            and s.attributes.get("server.port") == traced.port(service)
        ]

    (gateway_span,) = server_spans("gateway")
    assert gateway_span.context is not None
    trace_id = gateway_span.context.trace_id
    assert gateway_span.attributes is not None and gateway_span.attributes["http.response.status_code"] == 200

    # The webhook receiver got the trace in `traceparent`, from the notifier's instrumented client.
    traceparent = hook.headers["traceparent"]
    assert trace_id_of(traceparent) == trace_id

    def named(name: str) -> list[ReadableSpan]:
        return [s for s in traced.of_trace(trace_id) if s.name == name]

    async def all_recorded() -> bool:
        return (
            bool(named("smtp send")) and bool(named("webhook deliver")) and bool(named("audit process document.sent"))
        )

    await eventually(all_recorded, 20, "the SMTP, webhook and audit spans")

    # documents: its server span is the gateway's call's child (HTTP hop), in the same trace.
    (documents_span,) = server_spans("documents")
    assert documents_span.context is not None and documents_span.context.trace_id == trace_id
    gateway_calls = [s for s in traced.of_trace(trace_id) if s.kind is SpanKind.CLIENT and s.parent is not None]
    assert documents_span.parent is not None
    assert documents_span.parent.span_id in {s.context.span_id for s in gateway_calls if s.context is not None}
    # Its SQL is in the trace too (asyncpg instrumentation).
    assert any(
        "postgresql" in ((s.attributes or {}).get("db.system"), (s.attributes or {}).get("db.system.name"))
        for s in traced.of_trace(trace_id)
    )

    # The outbox row kept the request's context: the relay's publish continues the trace...
    (publish,) = named("outbox publish document.sent")
    assert publish.kind is SpanKind.PRODUCER and publish.context is not None
    # ...and each consumer continues from the message headers: its parent is that publish.
    for consumer in ("audit", "notifier"):
        (processed,) = named(f"{consumer} process document.sent")
        assert processed.kind is SpanKind.CONSUMER
        assert processed.parent is not None and processed.parent.span_id == publish.context.span_id

    # The email and the webhook were sent later, by workers, under the same trace (from their rows).
    assert all(s.kind is SpanKind.CLIENT for s in named("smtp send"))
    (deliver,) = named("webhook deliver")
    assert deliver.context is not None and deliver.parent is not None
    assert deliver.parent.span_id in {
        s.context.span_id for s in named("notifier process document.sent") if s.context is not None
    }
    (posted,) = [
        s
        for s in traced.of_trace(trace_id)
        if s.kind is SpanKind.CLIENT and s.parent is not None and s.parent.span_id == deliver.context.span_id
    ]
    # The header the receiver got names the POST's own span as its parent.
    assert posted.context is not None and parent_of(traceparent) == posted.context.span_id

    # Log lines written inside the trace carry its id: the gateway's request line, the notifier's.
    hex_id = format(trace_id, "032x")
    traced_lines = [line for line in log_lines.lines if line.get("traceId") == hex_id]
    assert any(line["msg"] == "request" and line.get("method") == "POST" for line in traced_lines)
    assert any(line["msg"] == "emails queued" for line in traced_lines)


async def test_the_signing_token_stays_out_of_span_names_and_urls(traced: Traced) -> None:
    """Signing tokens live in URLs; no span may record one (server spans name the route
    template, client spans record a redacted URL)."""
    token = "T" * 43
    async with traced.http.get(f"{traced.system.gateway_url}/api/v1/signing/{token}") as resp:
        assert resp.status in (401, 404)
    spans = traced.spans.get_finished_spans()
    assert any((s.attributes or {}).get("http.route") == "/api/v1/signing/{token}" for s in spans)
    for span in spans:
        assert token not in span.name
        assert all(token not in str(value) for value in (span.attributes or {}).values())
