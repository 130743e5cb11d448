"""Is PostgreSQL / RabbitMQ reachable? If not, start the local one when this machine has it,
or say in one line how to start it, and exit non-zero. Used by `make run` and `make test`."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aio_pika
import asyncpg

from shared.migrate import _with_database
from shared.settings import Settings

RABBITMQ_START = "rabbitmq-server -detached"

T = TypeVar("T")


def postgres_start_command() -> str:
    """The command that starts this machine's PostgreSQL cluster, spelled out for copy-paste."""
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    if versions:
        return f"pg_ctlcluster --skip-systemctl-redirect {versions[-1]} main start"
    return "pg_ctlcluster --skip-systemctl-redirect <version> main start (or: systemctl start postgresql)"


def where(url: str, default_port: int) -> str:
    """host:port/path of a URL, never its credentials or query (which may hold a password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port or default_port}{parts.path}"


@contextlib.contextmanager
def quiet_loggers(*loggers: str) -> Iterator[None]:
    """A failing probe is expected here and reported in one line; the client libraries would
    otherwise log their own connection errors (with tracebacks) to stderr."""
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


async def _postgres_up(settings: Settings) -> bool:
    try:
        conn = await asyncpg.connect(_with_database(settings.database_url, "postgres"), timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


async def _connect_quietly(url: str, timeout: float, limit: float) -> aio_pika.abc.AbstractConnection:
    # `limit` bounds the whole attempt: aio-pika's own timeout does not cover every step.
    with quiet_loggers("aiormq", "aio_pika"):
        return await asyncio.wait_for(aio_pika.connect(url, timeout=timeout), timeout=limit)


async def _rabbitmq_up(settings: Settings) -> bool:
    try:
        conn = await _connect_quietly(settings.amqp_url, 3, 5)
    except Exception:
        return False
    await conn.close()
    return True


async def with_broker(settings: Settings, fn: Callable[[aio_pika.abc.AbstractConnection], Awaitable[T]]) -> T:
    """`fn(connection)` on a connection to AMQP_URL, for the operator commands that talk AMQP.
    An unreachable broker is a one-line SystemExit that says how to start it."""
    try:
        connection = await _connect_quietly(settings.amqp_url, 5, 10)
    except Exception as exc:
        raise SystemExit(
            f"RabbitMQ is not reachable at {where(settings.amqp_url, 5672)} ({type(exc).__name__}); "
            f"start it with: {RABBITMQ_START} (or set AMQP_URL)"
        ) from None
    async with connection:
        return await fn(connection)


def _try_start(name: str) -> None:
    if name == "PostgreSQL":
        versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        if not shutil.which("pg_ctlcluster") or not versions:
            return
        argv = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
    else:
        if not shutil.which("rabbitmq-server"):
            return
        argv = ["rabbitmq-server", "-detached"]
    try:
        subprocess.run(argv, check=False, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pass  # the probe below reports the outcome


def ensure_infrastructure(settings: Settings, start: bool = True) -> None:
    """Returns when both servers answer; otherwise raises SystemExit with one line saying which
    one is missing, where it was looked for and how to start it."""
    Probe = Callable[[Settings], Coroutine[Any, Any, bool]]
    checks: tuple[tuple[str, Probe, str, str, str], ...] = (
        ("PostgreSQL", _postgres_up, where(settings.database_url, 5432), postgres_start_command(), "DATABASE_URL"),
        ("RabbitMQ", _rabbitmq_up, where(settings.amqp_url, 5672), RABBITMQ_START, "AMQP_URL"),
    )
    for name, probe, location, command, variable in checks:
        if asyncio.run(probe(settings)):
            continue
        if start:
            _try_start(name)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if asyncio.run(probe(settings)):
                    break
                time.sleep(1)
            else:
                raise SystemExit(
                    f"{name} is not reachable at {location} and could not be started; "
                    f"start it with: {command} (or set {variable})"
                )
            continue
        raise SystemExit(f"{name} is not reachable at {location}; start it with: {command} (or set {variable})")
