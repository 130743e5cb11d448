"""Serving an app's Prometheus metrics (shared/metrics.py) on a port of its own.

Never on the API port: the gateway's is the public entry, and the internal services' answer only
the gateway's credential, which a scraper must not hold. `enable_metrics` gives an app its
`AppMetrics` (app[METRICS]: the HTTP middleware and the resources' probes find it there) and,
unless METRICS_ENABLED is false, a second small server answering only `GET /metrics` on
METRICS_BIND_HOST (loopback by default) and the service's `<SERVICE>_METRICS_PORT`.

That server starts after every resource of the app (on_startup runs after the cleanup contexts
have started) and stops before them (on_shutdown), so a scrape never meets a closed pool.
"""

from __future__ import annotations

from aiohttp import web

from shared.metrics import METRICS, AppMetrics
from shared.settings import Settings

METRICS_PATH = "/metrics"
# The classic text format, which every Prometheus version reads (our names need no escaping).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def enable_metrics(app: web.Application, settings: Settings, service: str) -> AppMetrics:
    metrics = app[METRICS] = AppMetrics(service)
    if settings.metrics_enabled:
        server = _MetricsServer(metrics, settings.metrics_bind_host, settings.metrics_port(service))
        app.on_startup.append(server.start)
        app.on_shutdown.append(server.stop)
    return metrics


async def _scrape(request: web.Request) -> web.Response:
    body = await request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


class _MetricsServer:
    def __init__(self, metrics: AppMetrics, host: str, port: int) -> None:
        self._metrics = metrics
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    async def start(self, _: web.Application) -> None:
        server = web.Application()
        server[METRICS] = self._metrics
        server.router.add_get(METRICS_PATH, _scrape)
        runner = web.AppRunner(server, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except OSError as exc:
            await runner.cleanup()
            service = self._metrics.service
            raise RuntimeError(
                f"cannot serve {service} metrics on {self._host}:{self._port} ({exc.strerror}); "
                f"set {service.upper()}_METRICS_PORT, or METRICS_ENABLED=false"
            ) from None
        self._runner = runner
        host, port = runner.addresses[0][:2]  # the real port when 0 asked for any free one
        self._metrics.url = f"http://{host}:{port}{METRICS_PATH}"

    async def stop(self, _: web.Application) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
