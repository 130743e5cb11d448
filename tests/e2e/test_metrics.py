"""Every service's Prometheus metrics, scraped from its own metrics port as Prometheus would and
parsed with prometheus-client's parser, moving after real work: a request counted under its
route template, an outbox row counted while RabbitMQ is away, a poison message counted as a dead
letter, an email sent and a sandbox job run. And the boundary: `/metrics` is never served on an
API port, and the gateway neither answers it nor forwards it.

The counters are the process's (the harness runs every service in this process), so each test
compares a scrape after its work with one before it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from services.gateway import credentials
from shared.broker import Broker
from shared.callers import caller_headers
from shared.contracts.routes import DOCUMENTS
from shared.db import create_pool
from shared.metrics import METRICS, UNMATCHED_ROUTE
from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.e2e.test_trust_boundary import Tap
from tests.email_peers import eventually, own_settings
from tests.harness import SERVICE_NAMES, System, reset_infrastructure, start_system
from tests.peers import Mailbox
from tests.scratch import delete_amqp_namespace
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

DOCUMENT = DOCUMENTS + "/{id}"  # the route template of one document, at the gateway and at documents


@dataclass(frozen=True)
class Scrape:
    text: str
    samples: list[tuple[str, dict[str, str], float]]
    families: set[str]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
        return sum(v for n, ls, v in self.samples if n == name and labels.items() <= ls.items())

    def has(self, name: str, **labels: str) -> bool:
        return any(n == name and labels.items() <= ls.items() for n, ls, _ in self.samples)


def metrics_url(system: System, service: str) -> str:
    url = system.services[service].app[METRICS].url
    assert url is not None, f"{service} serves no metrics"
    return url


async def scrape(http: aiohttp.ClientSession, system: System, service: str) -> Scrape:
    async with http.get(metrics_url(system, service)) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await resp.text()
    families = list(text_string_to_metric_families(text))  # raises on anything Prometheus could not read
    samples = [(s.name, dict(s.labels), s.value) for f in families for s in f.samples]
    return Scrape(text, samples, {f.name for f in families})


def requests_of(scrape: Scrape, service: str, route: str, status: int, method: str = "GET") -> float:
    return scrape.value(
        "countersign_http_request_duration_seconds_count",
        service=service,
        route=route,
        status=str(status),
        method=method,
    )


# --- on the session's system ------------------------------------------------------------------------


async def test_each_service_serves_metrics_on_a_port_of_its_own(system: System, http: aiohttp.ClientSession) -> None:
    for service in SERVICE_NAMES:
        url = URL(metrics_url(system, service))
        assert url.port != URL(system.services[service].url).port
        assert url.host == "127.0.0.1"  # METRICS_BIND_HOST: loopback by default
        scraped = await scrape(http, system, service)
        # Its own PostgreSQL pool, read at scrape time.
        assert scraped.value("countersign_db_pool_max_connections") == system.settings.db_pool_max
        assert 1 <= scraped.value("countersign_db_pool_connections") <= system.settings.db_pool_max
        assert scraped.has("process_resident_memory_bytes")
    # The outboxes and dead-letter queues of those that have them.
    documents = await scrape(http, system, "documents")
    assert documents.has("countersign_outbox_backlog", schema="documents")
    assert documents.has("countersign_dead_letter_queue_messages", queue=system.settings.queue_name("documents"))
    notifier = await scrape(http, system, "notifier")
    assert notifier.has("countersign_outbox_backlog", schema="notifier")
    assert notifier.has("countersign_dead_letter_queue_messages", queue=system.settings.queue_name("notifier"))
    audit = await scrape(http, system, "audit")
    assert audit.has("countersign_dead_letter_queue_messages", queue=system.settings.queue_name("audit"))
    assert not audit.has("countersign_outbox_backlog")


async def test_no_api_port_serves_metrics(system: System, http: aiohttp.ClientSession) -> None:
    secret = system.settings.require_internal_secret()
    for service in ("documents", "audit", "notifier"):
        # Even with the gateway's own credential: there is no such route on an API port.
        async with http.get(
            system.services[service].url + "/metrics", headers=caller_headers(secret, "gateway")
        ) as resp:
            assert resp.status == 404
            assert "countersign_" not in await resp.text()


async def test_a_request_is_counted_under_its_route_template(
    system: System, http: aiohttp.ClientSession, api: Api
) -> None:
    document_id = "c" + uuid.uuid4().hex[:24]  # well-formed, nobody's: 404 at documents
    gateway_before = await scrape(http, system, "gateway")
    documents_before = await scrape(http, system, "documents")

    status, _, _ = await api.request("GET", f"{DOCUMENTS}/{document_id}")
    assert status == 404

    gateway_after = await scrape(http, system, "gateway")
    documents_after = await scrape(http, system, "documents")
    assert (
        requests_of(gateway_after, "gateway", DOCUMENT, 404) - requests_of(gateway_before, "gateway", DOCUMENT, 404)
        == 1
    )
    assert (
        requests_of(documents_after, "documents", DOCUMENT, 404)
        - requests_of(documents_before, "documents", DOCUMENT, 404)
        == 1
    )
    # The same series as requests_of (GET): other tests' PATCH/DELETE 404s on this route are theirs.
    bucket = gateway_after.value(
        "countersign_http_request_duration_seconds_bucket",
        service="gateway",
        route=DOCUMENT,
        status="404",
        method="GET",
        le="+Inf",
    )
    assert bucket == requests_of(gateway_after, "gateway", DOCUMENT, 404)
    # The id is in no label: one series per route, whatever the ids.
    assert document_id not in gateway_after.text and document_id not in documents_after.text


async def test_a_poison_message_is_counted_as_a_dead_letter(system: System, http: aiohttp.ClientSession) -> None:
    queue = system.settings.queue_name("audit")
    before = await scrape(http, system, "audit")
    broker = Broker(system.settings)
    await broker.connect()
    try:
        await broker.publish("document.created", {"not": "an event"})  # routed to audit and notifier
    finally:
        await broker.close()

    async def dead_lettered() -> Scrape | None:
        after = await scrape(http, system, "audit")
        waiting = after.value("countersign_dead_letter_queue_messages", queue=queue)
        moved = waiting > before.value("countersign_dead_letter_queue_messages", queue=queue)
        return after if moved else None

    after = await eventually(dead_lettered, "the poison message in audit's dead-letter queue")
    name = "countersign_consumer_dead_letters_total"
    assert after.value(name, queue=queue, reason="poison") - before.value(name, queue=queue, reason="poison") == 1
    assert after.value("countersign_consumer_deliveries_total", queue=queue) > before.value(
        "countersign_consumer_deliveries_total", queue=queue
    )


async def test_an_email_sent_and_a_sandbox_job_are_counted(
    flow: Flow, system: System, http: aiohttp.ClientSession, mailbox: Mailbox
) -> None:
    sent = {"kind": "invitation", "outcome": "sent"}
    inspected = {"kind": "inspect", "outcome": "replied"}
    notifier_before = await scrape(http, system, "notifier")
    documents_before = await scrape(http, system, "documents")

    address = f"metrics.{uuid.uuid4().hex[:10]}@example.com"
    doc_id, _ = await flow.draft(signers=[{"email": address, "name": "Metrics"}], fields=[signature(0)])
    await flow.send(doc_id)
    await mailbox.wait_for(lambda m: address in str(m.get("To", "")))

    async def counted() -> Scrape | None:
        after = await scrape(http, system, "notifier")
        return (
            after
            if after.value("countersign_emails_total", **sent)
            > notifier_before.value("countersign_emails_total", **sent)
            else None
        )

    await eventually(counted, "the invitation counted as sent")
    # The upload was checked by a sandbox worker before the send was accepted.
    documents_after = await scrape(http, system, "documents")
    assert documents_after.value("countersign_sandbox_jobs_total", **inspected) > documents_before.value(
        "countersign_sandbox_jobs_total", **inspected
    )


# --- on a system of its own: a tap in front of every service, RabbitMQ behind a proxy ------------


@dataclass
class Watched:
    system: System
    tap: Tap
    amqp: TcpProxy
    api: Api


@pytest.fixture(scope="module")
async def watched(settings: Settings, http: aiohttp.ClientSession) -> AsyncIterator[Watched]:
    amqp_url = URL(settings.amqp_url)
    proxy = await TcpProxy(amqp_url.host or "127.0.0.1", amqp_url.port or 5672).start()
    direct = own_settings(settings, "metrics", db_pool_max=3)
    await reset_infrastructure(direct)
    # The services reach RabbitMQ through the proxy, and come back quickly after an outage.
    proxied = amqp_url.with_port(proxy.port).with_query(reconnect_interval="0.5")
    own = direct.model_copy(update={"amqp_url": str(proxied)})
    tap = Tap()
    system = await start_system(own, tap=tap.middleware)
    pool = await create_pool(system.settings, min_size=1, max_size=1)
    async with pool.acquire() as conn:
        created = await credentials.create_insigner_key(conn, "Metrics Org", ["*"], "metrics")
    await pool.close()
    yield Watched(system, tap, proxy, Api(http, system.gateway_url, created.api_key, created.org_id))
    await proxy.accept()
    await system.stop()
    await proxy.close()
    await delete_amqp_namespace(direct)


async def test_the_gateway_neither_serves_nor_forwards_metrics(watched: Watched, http: aiohttp.ClientSession) -> None:
    system, tap = watched.system, watched.tap
    gateway_port = URL(system.gateway_url).port
    before = await scrape(http, system, "gateway")
    paths = ["/metrics", "/metrics/", "/api/v1/metrics", "/internal/metrics", "/%2e%2e/metrics"]
    for n, path in enumerate(paths):
        url = URL(system.gateway_url + path, encoded=True)
        # With a valid key: nothing is refused for want of one before routing.
        async with http.get(url, headers=watched.api.headers({"X-Request-Id": f"metrics-{n}"})) as resp:
            assert resp.status == 404, path
            assert "countersign_" not in await resp.text()
        seen = tap.by_request.pop(f"metrics-{n}", [])
        # The gateway received it; no other service did.
        assert [s.port for s in seen] == [gateway_port], (path, seen)
    after = await scrape(http, system, "gateway")
    assert requests_of(after, "gateway", UNMATCHED_ROUTE, 404) - requests_of(
        before, "gateway", UNMATCHED_ROUTE, 404
    ) == len(paths)


async def test_the_outbox_backlog_is_counted_while_rabbitmq_is_away(
    watched: Watched, http: aiohttp.ClientSession
) -> None:
    system, amqp = watched.system, watched.amqp

    async def backlog() -> float:
        return (await scrape(http, system, "documents")).value("countersign_outbox_backlog", schema="documents")

    async def empty() -> bool:
        return await backlog() == 0

    await eventually(empty, "an empty outbox to start from")
    amqp.outage()
    try:
        status, _, _ = await watched.api.request("POST", DOCUMENTS, json={"name": "Held back"})
        assert status == 201  # written with its event; only publishing waits
        during = await scrape(http, system, "documents")
        assert during.value("countersign_outbox_backlog", schema="documents") >= 1
        assert during.value("countersign_outbox_oldest_age_seconds", schema="documents") > 0
        # What cannot be read while the broker is away is left out, and the failure counted.
        assert not during.has("countersign_dead_letter_queue_messages")
        assert during.value("countersign_metrics_probe_failures_total", probe="dead-letters:documents") >= 1
    finally:
        await amqp.accept()
    await eventually(empty, "the outbox published once RabbitMQ is back", timeout=60)
    drained = await scrape(http, system, "documents")
    assert drained.value("countersign_outbox_oldest_age_seconds", schema="documents") == 0
