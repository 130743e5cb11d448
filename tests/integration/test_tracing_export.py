"""With OTEL_EXPORTER_OTLP_ENDPOINT set, a service's spans leave by OTLP over HTTP/protobuf.

The collector here is a real HTTP server that decodes what it receives with the OTLP protobuf
classes (opentelemetry-proto, the exporter's own dependency), as a collector would.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from shared import tracing
from shared.settings import Settings


@pytest.fixture
async def collector() -> AsyncIterator[tuple[str, list[ExportTraceServiceRequest]]]:
    received: list[ExportTraceServiceRequest] = []

    async def export(request: web.Request) -> web.Response:
        assert request.content_type == "application/x-protobuf"
        received.append(ExportTraceServiceRequest.FromString(await request.read()))
        return web.Response(body=b"", content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", received
    await runner.cleanup()


async def test_spans_are_exported_by_otlp_to_the_configured_endpoint(
    collector: tuple[str, list[ExportTraceServiceRequest]], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = collector
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    tracing.configure_tracing("documents", Settings(otel_exporter_otlp_endpoint=endpoint + "/"))
    try:
        assert tracing.enabled()
        with tracing.continued(None, "outbox publish document.sent"):
            trace_id = tracing.current_trace_id()
        # The exporter is synchronous (it runs in the batch processor's thread); the collector
        # answers on this loop, so the flush waits in a thread.
        assert await asyncio.to_thread(tracing.flush)
    finally:
        tracing.disable()
    spans = [
        (resource.resource, span)
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    (resource, span), *_ = [(r, s) for r, s in spans if s.name == "outbox publish document.sent"]
    assert span.trace_id.hex() == trace_id
    service_names = [a.value.string_value for a in resource.attributes if a.key == "service.name"]
    assert service_names == ["countersign-documents"]
