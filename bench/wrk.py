"""Running wrk with bench/lua/request.lua and reading the JSON line its done() prints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "lua" / "request.lua"
INSTALL_HINT = "wrk is not installed; install it with: apt-get install wrk"


@dataclass(frozen=True)
class Load:
    threads: int = 2
    connections: int = 64
    duration_s: int = 10
    timeout_s: int = 10

    def argv(self, duration_s: int | None = None) -> list[str]:
        return [
            "-t",
            str(self.threads),
            "-c",
            str(self.connections),
            "-d",
            f"{duration_s or self.duration_s}s",
            "--timeout",
            f"{self.timeout_s}s",
            "--latency",
        ]


@dataclass(frozen=True)
class Result:
    requests: int
    duration_us: int
    p50_us: int
    p99_us: int
    max_us: int
    non2xx: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1_000_000) if self.duration_us else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.connect_errors + self.read_errors + self.write_errors + self.timeouts


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    load: Load,
    *,
    method: str = "GET",
    body: str = "",
    api_key: str = "",
    headers: Mapping[str, str] | None = None,
    duration_s: int | None = None,
) -> Result:
    extra = "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body, BENCH_API_KEY=api_key, BENCH_HEADERS=extra)
    proc = subprocess.run(
        ["wrk", *load.argv(duration_s), "-s", str(SCRIPT), url],
        env=env,
        capture_output=True,
        text=True,
        timeout=(duration_s or load.duration_s) + load.timeout_s + 30,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return Result(**json.loads(line.removeprefix("BENCH_RESULT ")))
    raise RuntimeError(f"wrk failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
