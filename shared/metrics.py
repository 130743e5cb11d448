"""Prometheus metrics: every family the services expose, and what one app reads at scrape time.

Two kinds, kept apart on purpose:

- Things that happen (HTTP requests, consumer deliveries, emails, webhook attempts, sandbox jobs)
  are counted where they happen, in module-level families of the process's registry
  (prometheus-client's default, which adds its `process_*` and `python_*` families). In
  production a process runs one service, so a process's scrape is that service's. The HTTP
  histogram still names its `service`: the test harness runs all four in one process, and a
  route template alone ("/api/v1/documents/{id}") is served by both the gateway and documents.
- State (the app's PostgreSQL pool, its outbox backlog, its dead-letter queue) is read when
  Prometheus asks, by `AppMetrics` of that app: gauges on a registry of the app's own, set by
  async probes just before each scrape. Nothing polls in between; a scrape costs a few indexed
  queries and one passive queue declare.

shared/metrics_server.py serves them on a port of the service's own; docs/running.md ("Metrics")
lists every family (tests/e2e/test_metrics.py checks that the list is complete).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from shared.logging import log_fields

log = logging.getLogger("countersign.metrics")

# --- counted where they happen ------------------------------------------------------------------

# By route template, never the raw path: every document id and signing token would be a series
# of its own (and a token must never reach a label).
HTTP_REQUEST_DURATION = Histogram(
    "countersign_http_request_duration_seconds",
    "Time to answer an HTTP request, by service, method, route template and status",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UNMATCHED_ROUTE = "unmatched"  # the route of a request no route matched (404, 405)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

CONSUMER_DELIVERIES = Counter(
    "countersign_consumer_deliveries", "Messages a consumer received from its queue, by queue", ["queue"]
)
CONSUMER_REDELIVERIES = Counter(
    "countersign_consumer_redeliveries",
    "Messages received again after an earlier delivery was not acked (a failed handler, a lost channel), by queue",
    ["queue"],
)
CONSUMER_DEAD_LETTERS = Counter(
    "countersign_consumer_dead_letters",
    "Messages a consumer sent to its dead-letter queue, by queue and reason "
    "(poison: not a readable event; delivery_limit: its handler failed on the last delivery allowed)",
    ["queue", "reason"],
)
EMAILS = Counter(
    "countersign_emails",
    "Outcomes of sending an email, by kind and outcome (sent, retrying, failed, bounced, skipped, held)",
    ["kind", "outcome"],
)
WEBHOOK_ATTEMPTS = Counter(
    "countersign_webhook_attempts",
    "Customer webhook delivery attempts, by outcome (succeeded, retrying, failed: no retry left)",
    ["outcome"],
)
SANDBOX_JOBS = Counter(
    "countersign_sandbox_jobs",
    "Jobs run by the sandbox workers on strangers' files, by kind and outcome "
    "(replied, timeout, crashed, reply_too_large)",
    ["kind", "outcome"],
)
SANDBOX_LIMIT_BREACHES = Counter(
    "countersign_sandbox_limit_breaches",
    "Sandbox jobs that hit a limit, by kind and limit (wall_clock, cpu, memory, reply_size)",
    ["kind", "limit"],
)


def route_template(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


def observe_request(service: str, request: web.Request, status: int, seconds: float) -> None:
    # Any token is a valid HTTP method: only the standard ones get a series each.
    method = request.method if request.method in _METHODS else "OTHER"
    HTTP_REQUEST_DURATION.labels(service, method, route_template(request), str(status)).observe(seconds)


# --- read at scrape time --------------------------------------------------------------------------


def forget_series(family: Gauge, *labels: str) -> None:
    """Leave one series out of the next scrapes (until it is set again)."""
    with contextlib.suppress(KeyError):
        family.remove(*labels)


Probe = Callable[[], Awaitable[None]]
# A probe that has not answered by then is reported as failed; the scrape goes on without it.
PROBE_TIMEOUT_SECONDS = 3.0


class AppMetrics:
    """One app's metrics: its service name (the HTTP histogram's label) and the gauges of its
    own resources, refreshed by probes that the code owning each resource registers."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.db_pool_connections = Gauge(
            "countersign_db_pool_connections",
            "Open connections in the service's PostgreSQL pool",
            registry=self.registry,
        )
        self.db_pool_idle = Gauge(
            "countersign_db_pool_idle_connections",
            "Open connections in the PostgreSQL pool that no request holds",
            registry=self.registry,
        )
        self.db_pool_max = Gauge(
            "countersign_db_pool_max_connections",
            "The PostgreSQL pool's size limit (DB_POOL_MAX)",
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "countersign_outbox_backlog",
            "Events in the outbox not yet published to RabbitMQ, by schema (counted up to 100000)",
            ["schema"],
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "countersign_outbox_oldest_age_seconds",
            "Age of the oldest event in the outbox not yet published (0 when there is none), by schema",
            ["schema"],
            registry=self.registry,
        )
        self.dead_letter_messages = Gauge(
            "countersign_dead_letter_queue_messages",
            "Messages waiting in a consumer's dead-letter queue, by the consumer's queue",
            ["queue"],
            registry=self.registry,
        )
        self.probe_failures = Counter(
            "countersign_metrics_probe_failures",
            "Scrape-time probes that failed (their gauges are left out of that scrape), by probe",
            ["probe"],
            registry=self.registry,
        )
        self._probes: dict[str, tuple[Probe, Callable[[], None]]] = {}
        self.url: str | None = None  # where the metrics are served, once they are

    def watch_pool(self, size: Callable[[], int], idle: Callable[[], int], maximum: Callable[[], int]) -> None:
        # Read in memory at collection time: no probe needed.
        self.db_pool_connections.set_function(size)
        self.db_pool_idle.set_function(idle)
        self.db_pool_max.set_function(maximum)

    def add_probe(self, name: str, probe: Probe, forget: Callable[[], None]) -> None:
        """`probe` sets its gauges before each scrape; when it fails, `forget` removes them, so
        a scrape never passes an old value off as current."""
        self._probes[name] = (probe, forget)

    async def _run(self, name: str, probe: Probe, forget: Callable[[], None]) -> None:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await probe()
        except Exception as exc:  # a scrape reports what it can; it never fails as a whole
            forget()
            self.probe_failures.labels(name).inc()
            log.warning("metrics probe failed", extra=log_fields(probe=name, error=repr(exc)))

    async def exposition(self) -> bytes:
        """The text exposition format: the process's families, then this app's."""
        await asyncio.gather(*(self._run(name, *entry) for name, entry in list(self._probes.items())))
        return generate_latest(REGISTRY) + generate_latest(self.registry)


METRICS: web.AppKey[AppMetrics] = web.AppKey("metrics", AppMetrics)
