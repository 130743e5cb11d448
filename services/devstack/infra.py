"""Is PostgreSQL / RabbitMQ reachable? If not, start the local one when this machine has it,
or say in one line how to start it, and exit non-zero. Used by `make run` and `make test`."""

from __future__ import annotations

import asyncio
import glob
import shutil
import subprocess
import time

import aio_pika
import asyncpg

from shared.migrate import _with_database
from shared.settings import Settings

POSTGRES_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
RABBITMQ_START = "rabbitmq-server -detached"


async def _postgres_up(settings: Settings) -> bool:
    try:
        conn = await asyncpg.connect(_with_database(settings.database_url, "postgres"), timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


async def _rabbitmq_up(settings: Settings) -> bool:
    try:
        conn = await aio_pika.connect(settings.amqp_url, timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


def _try_start(command: str) -> None:
    if command.startswith("pg_ctlcluster"):
        versions = glob.glob("/etc/postgresql/*")
        if not shutil.which("pg_ctlcluster") or not versions:
            return
        argv = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0].rsplit("/", 1)[1], "main", "start"]
    else:
        if not shutil.which("rabbitmq-server"):
            return
        argv = ["rabbitmq-server", "-detached"]
    subprocess.run(argv, check=False, capture_output=True, timeout=60)


def ensure_infrastructure(settings: Settings, start: bool = True) -> None:
    checks = (("PostgreSQL", _postgres_up, settings.database_url.split("@")[-1], POSTGRES_START),
              ("RabbitMQ", _rabbitmq_up, settings.amqp_url.split("@")[-1], RABBITMQ_START))
    for name, probe, where, command in checks:
        if asyncio.run(probe(settings)):
            continue
        if start:
            _try_start(command)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if asyncio.run(probe(settings)):
                    break
                time.sleep(1)
            else:
                raise SystemExit(f"{name} is not reachable at {where} and could not be started; start it with: {command}")
            continue
        raise SystemExit(f"{name} is not reachable at {where}; start it with: {command}")
