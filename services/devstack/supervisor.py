"""`countersign run` / `make run`: the whole system on one machine, in the foreground.

Checks PostgreSQL and RabbitMQ, creates and migrates the database, starts the embedded S3 server
and the SMTP sink, then runs the four services as child processes. Ctrl-C (or SIGTERM) stops
all of them; if one service dies, the others are stopped and the exit code is non-zero.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from services.devstack.infra import ensure_infrastructure
from services.devstack.mail_sink import start_mail_sink
from services.devstack.s3_server import start_s3_server
from shared.migrate import apply_migrations, ensure_database
from shared.settings import Settings

SERVICES = ("documents", "audit", "notifier", "gateway")


def _say(message: str) -> None:
    print(f"countersign: {message}", flush=True)


def run(settings: Settings) -> int:
    ensure_infrastructure(settings, start=False)
    asyncio.run(ensure_database(settings.database_url))
    for name in asyncio.run(apply_migrations(settings.database_url)):
        _say(f"applied migration {name}")

    env = dict(os.environ)
    if settings.internal_secret is None:
        env["INTERNAL_SECRET"] = secrets.token_urlsafe(32)

    s3 = None
    if settings.s3_endpoint_url:
        endpoint = urlsplit(settings.s3_endpoint_url)
        if endpoint.hostname in ("127.0.0.1", "localhost"):
            s3 = start_s3_server(endpoint.hostname, endpoint.port or 80)
            _say(f"S3 (moto) on {settings.s3_endpoint_url}")
    mail = start_mail_sink(settings.smtp_host, settings.smtp_port, settings.mail_sink_dir)
    _say(f"SMTP sink on {settings.smtp_host}:{settings.smtp_port}, writing to {settings.mail_sink_dir}")

    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        for name in SERVICES:
            children[name] = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=env)
        _say(f"gateway on http://{settings.bind_host}:{settings.gateway_port} (Ctrl-C stops everything)")
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    _say(f"{name} exited with code {child.returncode}; stopping")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        mail.stop()
        if s3 is not None:
            s3.stop()
        _say("stopped")
    return exit_code
