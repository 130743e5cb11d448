"""Runs the whole system inside the test process, against real PostgreSQL and RabbitMQ.

Each service is created with its own `create_app(settings)` and served on an ephemeral port;
the gateway is pointed at the others. Names (database, exchange, queues) come from one test
namespace, so tests never touch a running `make run`.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import aio_pika
from aiohttp import web
from aiohttp.typedefs import Middleware  # the protocol app.middlewares holds
from pydantic import SecretStr

from shared.broker import CONSUMERS
from shared.http_server import ProblemAppRunner
from shared.migrate import _with_database, apply_migrations, ensure_database
from shared.secretbox import new_key
from shared.settings import Settings

# One database and one AMQP namespace per test process: each pytest-xdist worker (gw0, gw1, …) has
# its own, so workers never see each other's rows, queues or emails.
NAMESPACE = os.environ.get("COUNTERSIGN_TEST_NAMESPACE", "countersign_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)


def test_settings(**overrides: object) -> Settings:
    base = Settings()
    values: dict[str, object] = {
        "database_url": _with_database(base.database_url, NAMESPACE),
        "amqp_namespace": NAMESPACE,
        "internal_secret": SecretStr(secrets.token_urlsafe(32)),
        "signing_secret": SecretStr(secrets.token_urlsafe(32)),
        "secrets_encryption_keys": SecretStr(new_key()),
        "outbox_poll_seconds": 0.5,
        "consumer_delivery_limit": 3,
        # Each service's metrics on a free port (a test reads it from app[METRICS].url): fixed
        # ports would collide between services, replicas and parallel test runs.
        "gateway_metrics_port": 0,
        "documents_metrics_port": 0,
        "audit_metrics_port": 0,
        "notifier_metrics_port": 0,
        # Several services share one PostgreSQL in tests; keep well under max_connections.
        "db_pool_min": 1,
        "db_pool_max": 5,
        # ...and hand back what a burst opened within seconds, not the production 5 minutes: the
        # session system sits idle with its pools full while a test runs its own system (the
        # crash and replica tests' eight processes), and both counted in a worker's peak.
        "db_pool_idle_seconds": 2,
        # The suite makes many requests with one key and sends many bad keys from 127.0.0.1: the
        # general suite runs with limits out of reach. The rate-limit tests (tests/e2e/
        # test_rate_limits*.py, test_wpsigner_ratelimit.py, test_campaigns.py) use the real defaults or small ones.
        "api_rate_limit_per_minute": 1_000_000,
        "webhook_create_limit_per_hour": 1_000_000,
        "bulk_send_limit_per_5_minutes": 1_000_000,
        "auth_failure_limit_per_minute": 1_000_000,
        "wpsigner_ip_rate_limit_per_minute": 1_000_000,
        "verify_rate_limit_per_minute": 1_000_000,
        "campaign_submit_limit_per_ip_per_hour": 1_000_000,
        "campaign_submit_limit_per_email_per_hour": 1_000_000,
    }
    values.update(overrides)
    return base.model_copy(update=values)


async def reset_infrastructure(settings: Settings) -> None:
    """A fresh database with every migration, and no queues left from an earlier run."""
    await ensure_database(settings.database_url, recreate=True)
    await apply_migrations(settings.database_url)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        for consumer in CONSUMERS:
            for name in (settings.queue_name(consumer), settings.queue_name(consumer) + ".dead"):
                await channel.queue_delete(name)
        await channel.exchange_delete(settings.events_exchange)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class RunningService:
    name: str
    app: web.Application
    runner: web.AppRunner
    url: str


async def serve(name: str, app: web.Application, sock: socket.socket) -> RunningService:
    runner = ProblemAppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    host, port = sock.getsockname()[:2]
    return RunningService(name, app, runner, f"http://{host}:{port}")


@dataclass
class System:
    settings: Settings
    services: dict[str, RunningService] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.services["gateway"].url

    async def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            await service.runner.cleanup()


SERVICE_NAMES = ("documents", "audit", "notifier", "gateway")


async def start_system(settings: Settings, tap: Middleware | None = None) -> System:
    """Start the four services (gateway last) on ephemeral ports that know each other.

    `tap`, if given, is put in front of every service's middlewares: it sees each request exactly
    as that service received it (tests that watch what crosses from the gateway to the others)."""
    from services.audit.app import create_app as audit_app
    from services.documents.app import create_app as documents_app
    from services.gateway.app import create_app as gateway_app
    from services.notifier.app import create_app as notifier_app

    factories = {"documents": documents_app, "audit": audit_app, "notifier": notifier_app, "gateway": gateway_app}
    sockets = {name: _listening_socket() for name in SERVICE_NAMES}
    urls = {f"{name}_url": f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    urls["public_url"] = urls.pop("gateway_url")
    system = System(settings.model_copy(update=urls))
    for name in SERVICE_NAMES:
        app = factories[name](system.settings)
        if tap is not None:
            app.middlewares.insert(0, tap)
        system.services[name] = await serve(name, app, sockets[name])
    return system


@dataclass
class ReplicatedSystem:
    """Several app instances of every service (replica k of `name` is `name-k`), one database
    and broker, each caller given every internal service's replica list."""

    settings: Settings
    replicas: dict[str, list[RunningService]] = field(default_factory=dict)

    def urls(self, name: str) -> list[str]:
        return [service.url for service in self.replicas[name]]

    async def stop(self) -> None:
        for name in reversed(SERVICE_NAMES):
            for service in self.replicas.get(name, []):
                await service.runner.cleanup()


# Where the single *_URL settings point in a replicated system: nothing listens there, so a
# caller that still used one instead of the replica list would fail.
NOWHERE = "http://127.0.0.1:9"


async def start_replicated_system(
    settings: Settings, replicas: int = 2, tap: Callable[[str], Middleware] | None = None
) -> ReplicatedSystem:
    """`start_system` with `replicas` instances of each service on distinct ports. `tap(name)`,
    if given, is put in front of replica `name`'s middlewares (e.g. to count what it served)."""
    from services.audit.app import create_app as audit_app
    from services.documents.app import create_app as documents_app
    from services.gateway.app import create_app as gateway_app
    from services.notifier.app import create_app as notifier_app

    factories = {"documents": documents_app, "audit": audit_app, "notifier": notifier_app, "gateway": gateway_app}
    sockets = {name: [_listening_socket() for _ in range(replicas)] for name in SERVICE_NAMES}
    urls = {name: [f"http://127.0.0.1:{s.getsockname()[1]}" for s in socks] for name, socks in sockets.items()}
    update: dict[str, object] = {f"{name}_urls": urls[name] for name in ("documents", "audit", "notifier")}
    update |= {f"{name}_url": NOWHERE for name in ("documents", "audit", "notifier")}
    update["public_url"] = urls["gateway"][0]
    system = ReplicatedSystem(settings.model_copy(update=update))
    for name in SERVICE_NAMES:
        system.replicas[name] = []
        for k, sock in enumerate(sockets[name]):
            app = factories[name](system.settings)
            if tap is not None:
                app.middlewares.insert(0, tap(f"{name}-{k}"))
            system.replicas[name].append(await serve(f"{name}-{k}", app, sock))
    return system
