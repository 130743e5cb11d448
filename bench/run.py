"""`make bench`: load through the gateway of a running system, and a bare aiohttp + asyncpg
baseline in the same run, with the same wrk settings.

Start the system first (`make run` in another terminal). Prints requests/s, p50 and p99 for
each scenario and the ratio gateway ÷ bare; `--json` also prints a machine-readable result.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass

import asyncpg
import orjson

from bench import fixtures, machine, memory, quiet, wrk
from shared.settings import Settings


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    body: str = ""
    via_gateway: bool = True


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = Settings()
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway-url", default=os.environ.get("BENCH_GATEWAY_URL", settings.public_url))
    parser.add_argument("--threads", "-t", type=int, default=int(os.environ.get("BENCH_THREADS", 2)))
    parser.add_argument("--connections", "-c", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 64)))
    parser.add_argument(
        "--duration", "-d", type=int, default=int(os.environ.get("BENCH_DURATION", 10)), help="seconds per scenario"
    )
    parser.add_argument(
        "--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 2)), help="seconds of unmeasured load first"
    )
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    # --- memory check (bench/memory.py) ---
    parser.add_argument("--memory", action="store_true", default=bool(os.environ.get("BENCH_MEMORY")))
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=3) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_bare_app() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port)], env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: the bare app exited with code {proc.returncode}")
        if _reachable(url):
            return proc, url
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("bench: the bare app did not start within 20 s")


def _ms(us: int) -> str:
    return f"{us / 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    gateway = args.gateway_url.rstrip("/")
    if not wrk.available():
        _say(wrk.INSTALL_HINT)
        return 2
    if not _reachable(gateway):
        _say(
            f"the gateway is not reachable at {gateway}; start the system first with `make run` in another terminal "
            "(or point --gateway-url / BENCH_GATEWAY_URL at it)"
        )
        return 2

    settings = Settings()
    try:
        api_key = asyncio.run(fixtures.create_key(settings.database_url))
    except (OSError, asyncpg.PostgresError) as exc:
        _say(
            f"cannot create the benchmark key in {settings.database_url.split('@')[-1]}: {exc} "
            "(bench needs the same DATABASE_URL as the running system)"
        )
        return 2
    try:
        document_id = asyncio.run(fixtures.create_document(gateway, api_key))
    except fixtures.NotReady as exc:
        _say(f"the system is up but cannot serve the benchmark yet: {exc}")
        return 2

    load = wrk.Load(args.threads, args.connections, args.duration)
    # The bare app runs first, on a quiet machine; POST runs last, because the events it
    # creates keep audit and notifier busy for a while afterwards and would slow what follows.
    scenarios = (
        Scenario("bare GET /documents/{id}", "GET", f"/documents/{document_id}", via_gateway=False),
        Scenario("GET /api/v1/documents/{id}", "GET", f"/api/v1/documents/{document_id}"),
        Scenario("GET /api/v1/documents?limit=25", "GET", "/api/v1/documents?limit=25"),
        Scenario("POST /api/v1/documents", "POST", "/api/v1/documents", fixtures.DOCUMENT_BODY),
    )
    _say(f"machine: {machine.describe()}")
    _say(
        f"wrk -t{load.threads} -c{load.connections} -d{load.duration_s}s (+{args.warmup}s warm-up each); gateway {gateway}"
    )

    bare_proc, bare_url = _start_bare_app()
    results: dict[str, wrk.Result] = {}
    try:
        for scenario in scenarios:
            if left := asyncio.run(quiet.wait_for_consumers(settings)):
                _say(f"consumers still have {left} events queued; measuring anyway")
            base = gateway if scenario.via_gateway else bare_url
            key = api_key if scenario.via_gateway else ""
            if args.warmup:
                wrk.run(
                    base + scenario.path,
                    load,
                    method=scenario.method,
                    body=scenario.body,
                    api_key=key,
                    duration_s=args.warmup,
                )
            results[scenario.name] = wrk.run(
                base + scenario.path, load, method=scenario.method, body=scenario.body, api_key=key
            )
            r = results[scenario.name]
            _say(
                f"{scenario.name}: {r.rps:,.0f} req/s, p50 {_ms(r.p50_us)}, p99 {_ms(r.p99_us)}"
                + (f", {r.errors} errors" if r.errors else "")
            )
    finally:
        bare_proc.terminate()
        bare_proc.wait(timeout=10)

    bare = results[scenarios[0].name]
    print()
    print(f"{'scenario':<34} {'req/s':>9} {'p50':>10} {'p99':>10} {'errors':>7} {'gateway ÷ bare':>15}")
    for scenario in scenarios:
        r = results[scenario.name]
        ratio = f"{r.rps / bare.rps:.2f}" if scenario.via_gateway and bare.rps else "—"
        print(f"{scenario.name:<34} {r.rps:>9,.0f} {_ms(r.p50_us):>10} {_ms(r.p99_us):>10} {r.errors:>7} {ratio:>15}")
    print("\n(gateway ÷ bare = gateway requests/s divided by the bare app's requests/s for the same settings)")
    if args.json:
        print(
            orjson.dumps(
                {
                    "machine": machine.describe(),
                    "load": asdict(load),
                    "results": {name: asdict(r) | {"rps": round(r.rps, 1)} for name, r in results.items()},
                }
            ).decode()
        )
    # --- memory check (bench/memory.py): RSS while building large signed PDFs and downloading one ---
    if args.memory:
        memory_report = asyncio.run(memory.memory_check(gateway, settings))
        memory.print_report(memory_report)
        if memory_report.failures():
            return 1
    failed = [name for name, r in results.items() if r.errors > r.requests * 0.01]
    if failed:
        _say(f"more than 1% of requests failed in: {', '.join(failed)} — these figures are not valid")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
