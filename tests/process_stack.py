"""Services as real processes (`python -m services.<name>`, as `countersign run` and the
containers start them), for tests that signal them: SIGTERM (a graceful stop), SIGKILL (a crash).

`settings_env` turns a Settings into the environment a service reads it back from, so a process
gets exactly the test's settings (database, namespace, secrets, peers).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from shared.settings import Settings
from tests.peers import free_port

SERVICES = ("documents", "audit", "notifier", "gateway")


def settings_env(settings: Settings, **overrides: object) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    for name in Settings.model_fields:
        value = overrides.get(name, getattr(settings, name))
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, list | tuple):
            value = ",".join(str(part) for part in value)
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[name.upper()] = str(value)
    return env


@dataclass
class ServiceProcess:
    """One process of one service on its own port; its output goes to `log` (for a failing test)."""

    service: str
    port: int
    env: dict[str, str]
    log: Path
    proc: asyncio.subprocess.Process | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        env = self.env | {f"{self.service.upper()}_PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", f"services.{self.service}", env=env, stdout=out, stderr=out
            )

    async def wait_ready(self, timeout: float = 60) -> None:
        """Until /readyz answers 200 (PostgreSQL and RabbitMQ reachable; for the gateway, a
        replica of each service behind it too)."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                assert self.proc is not None and self.proc.returncode is None, f"{self.service} exited: {self.tail()}"
                try:
                    async with http.get(self.url + "/readyz", timeout=aiohttp.ClientTimeout(total=3)) as resp:
                        if resp.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{self.service} not ready in {timeout} s: {self.tail()}")
                await asyncio.sleep(0.2)

    def signal(self, signum: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None
        async with asyncio.timeout(timeout):
            return await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ProcessStack:
    """`replicas` processes of every service on one database and broker, each caller given the
    replica lists (as `make run REPLICAS=n` runs them)."""

    settings: Settings
    processes: dict[str, list[ServiceProcess]]

    @classmethod
    def plan(cls, settings: Settings, logs: Path, replicas: int = 2) -> ProcessStack:
        ports = {name: [free_port() for _ in range(replicas)] for name in SERVICES}
        urls = {name: [f"http://127.0.0.1:{p}" for p in ports[name]] for name in SERVICES}
        update: dict[str, object] = {f"{name}_urls": urls[name] for name in ("documents", "audit", "notifier")}
        update["public_url"] = urls["gateway"][0]
        own = settings.model_copy(update=update)
        env = settings_env(own)
        processes = {
            name: [ServiceProcess(name, port, env, logs / f"{name}-{k}.log") for k, port in enumerate(ports[name])]
            for name in SERVICES
        }
        return cls(own, processes)

    def urls(self, name: str) -> list[str]:
        return [p.url for p in self.processes[name]]

    async def start(self) -> None:
        # The internal services all at once, then the gateways: their readiness needs the others.
        for group in (SERVICES[:-1], SERVICES[-1:]):
            processes = [p for name in group for p in self.processes[name]]
            for process in processes:
                await process.start()
            await asyncio.gather(*(process.wait_ready() for process in processes))

    async def stop(self) -> None:
        for name in reversed(SERVICES):
            for process in self.processes[name]:
                await process.stop()
