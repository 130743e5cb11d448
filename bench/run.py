"""`make bench`: load against a running system, one scenario family after another.

Start the system first (`make run` in another terminal). Families (a module each):

- gateway   (bench/gateway_read.py): reads and creates through the gateway against a bare
            aiohttp + asyncpg app in the same run (wrk);
- scale     (bench/scale.py): lists over the 1 M seeded documents (`make bench-seed`), at the
            documents service and through the gateway (wrk); skipped until seeded;
- lifecycle (bench/lifecycle.py): concurrent clients running whole lifecycles through the
            gateway, with send → SMTP and send → audit latencies from server timestamps.

Every family prints its table and its ratios; `--json` also prints one machine-readable object
(one key per family). A new family is a function taking `Run` and one line in FAMILIES.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import orjson

from bench import cpu, fixtures, gateway_read, lifecycle, machine, memory, quiet, scale, scale_sql, seed, wrk
from bench.scenarios import Scenario, measure, print_table, say
from shared.settings import Settings

# Issue 12's targets, which the lifecycle figures are printed against.
TARGETS = {"documents_per_s": 25.0, "send_to_smtp_p99_ms": 250.0, "send_to_audit_p99_ms": 100.0}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = Settings()
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway-url", default=os.environ.get("BENCH_GATEWAY_URL", settings.public_url))
    parser.add_argument("--threads", "-t", type=int, default=_env_int("BENCH_THREADS", 2))
    parser.add_argument("--connections", "-c", type=int, default=_env_int("BENCH_CONNECTIONS", 64))
    parser.add_argument(
        "--duration", "-d", type=int, default=_env_int("BENCH_DURATION", 10), help="seconds per wrk scenario"
    )
    parser.add_argument(
        "--warmup", type=int, default=_env_int("BENCH_WARMUP", 2), help="seconds of unmeasured load first"
    )
    parser.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ",".join(FAMILIES)),
        help=f"comma-separated families to run, of {', '.join(FAMILIES)} (default: all)",
    )
    parser.add_argument(
        "--scale-connections",
        type=int,
        default=_env_int("BENCH_SCALE_CONNECTIONS", 1),
        help="wrk connections of the scale family (few: its p99 is the request's cost, not a queue)",
    )
    parser.add_argument("--lifecycle-clients", type=int, default=_env_int("BENCH_LIFECYCLE_CLIENTS", 16))
    parser.add_argument(
        "--lifecycle-duration", type=int, default=_env_int("BENCH_LIFECYCLE_DURATION", 30), help="seconds"
    )
    parser.add_argument("--seed", action="store_true", help="run make bench-seed first (BENCH_SEED_SIZE, 1 M)")
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    args = parser.parse_args(argv)
    args.families = [f.strip() for f in args.only.split(",") if f.strip()]
    if unknown := set(args.families) - FAMILIES.keys():
        parser.error(f"unknown families: {', '.join(sorted(unknown))}")
    return args


@dataclass(frozen=True)
class Run:
    """What every family gets: the options, the settings, and what the preflight created."""

    args: argparse.Namespace
    settings: Settings
    gateway: str
    api_key: str
    document_id: str
    load: wrk.Load


def _wrk_family(run: Run, title: str, scenarios: list[Scenario], load: wrk.Load, legend: str) -> dict[str, Any]:
    results = measure(scenarios, load, run.args.warmup, run.settings)
    print_table(title, scenarios, results, legend)
    return {"wrk": {name: asdict(r) | {"rps": round(r.rps, 1)} for name, r in results.items()}}


def gateway_family(run: Run) -> dict[str, Any]:
    with gateway_read.bare_app() as bare:
        scenarios = gateway_read.scenarios(run.gateway, bare, run.api_key, run.document_id)
        return _wrk_family(run, "gateway vs the bare app", scenarios, run.load, gateway_read.LEGEND)


def scale_family(run: Run) -> dict[str, Any]:
    seeded = scale.seeded(run.settings)
    if seeded.documents < 1000:
        say(
            f"scale: skipped, the benchmark organisation has {seeded.documents} seeded documents: run `make bench-seed`"
        )
        return {}
    if run.settings.internal_secret is None:
        say("scale: INTERNAL_SECRET is not set here, so only the gateway rows are measured (see bench/README.md)")
    connections = run.args.scale_connections
    load = wrk.Load(min(run.load.threads, connections), connections, run.load.duration_s)
    title = f"lists over {seeded.documents:,} documents in one organisation (wrk -t{load.threads} -c{load.connections})"
    found = _wrk_family(run, title, scale.scenarios(run.settings, run.gateway, run.api_key, seeded), load, scale.LEGEND)
    found["sql"] = scale_sql.measure(run.settings, seeded, run.load.duration_s / 2)
    scale_sql.print_table(found["sql"], seeded.documents)
    return found


def lifecycle_family(run: Run) -> dict[str, Any]:
    if left := asyncio.run(quiet.wait_for_consumers(run.settings)):
        say(f"consumers still have {left} events queued; measuring anyway")
    args = run.args
    processes = cpu.find(run.settings)  # None when the system runs elsewhere: no CPU or RSS figures then
    before = cpu.read(processes) if processes is not None else None
    # Issue 12: every service under 150 MB RSS under the lifecycle load too, not only after builds.
    rss = memory.Sampler(processes.services) if processes is not None else None
    if rss is not None:
        rss.start()
    try:
        result = lifecycle.run(run.settings, run.gateway, run.api_key, args.lifecycle_clients, args.lifecycle_duration)
    finally:
        peak = rss.stop() if rss is not None else None
    lifecycle.print_result(result, TARGETS)
    found: dict[str, Any] = {"lifecycle": asdict(result)}
    if processes is not None and before is not None:
        after = cpu.read(processes)
        found["lifecycle_cpu_s"] = seconds = cpu.spent(before, after)
        found["lifecycle_commits"] = commits = cpu.commits(before, after)
        cpu.print_per_unit(seconds, commits, result.completed, "completed lifecycle")
    if peak is not None:
        found["lifecycle_rss_peak_mb"] = {name: round(mb, 1) for name, mb in peak.items()}
        found["memory_failures"] = over = memory.over_limit(peak, "under the lifecycle load")
        readings = ", ".join(f"{name} {mb:.1f} MB" for name, mb in peak.items())
        print(
            f"  peak RSS under the load: {readings} ({'; '.join(over) or f'every service < {memory.RSS_LIMIT_MB} MB'})"
        )
    return found


def memory_family(run: Run) -> dict[str, Any]:
    """RSS of every service while large signed PDFs are built and a 49 MB one is downloaded."""
    if run.settings.internal_secret is None:
        say("memory: skipped, INTERNAL_SECRET is not set here (the running system's; see bench/README.md)")
        return {}
    report = asyncio.run(memory.memory_check(run.gateway, run.settings))
    memory.print_report(report)
    return {"memory": asdict(report), "memory_failures": report.failures()}


# name -> the function that runs the family and returns its part of the JSON report.
FAMILIES: dict[str, Callable[[Run], dict[str, Any]]] = {
    "gateway": gateway_family,
    "scale": scale_family,
    "lifecycle": lifecycle_family,
    "memory": memory_family,
}


def _failed(family: dict[str, Any]) -> list[str]:
    """The scenarios of a family result with more than 1 % failed requests (or lifecycles)."""
    failed = [name for name, r in family.get("wrk", {}).items() if r["requests"] and _errors(r) > r["requests"] * 0.01]
    if (cycle := family.get("lifecycle")) and cycle["failures"] > max(cycle["completed"], 1) * 0.01:
        failed.append("lifecycle")
    if family.get("memory_failures"):
        failed.append("memory (" + "; ".join(family["memory_failures"]) + ")")
    return failed


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    gateway = args.gateway_url.rstrip("/")
    if not wrk.available():
        say(wrk.INSTALL_HINT)
        return 2
    if not gateway_read.reachable(gateway):
        say(
            f"the gateway is not reachable at {gateway}; start the system first with `make run` in another terminal "
            "(or point --gateway-url / BENCH_GATEWAY_URL at it)"
        )
        return 2

    settings = Settings().beside_make_run()
    try:
        api_key = asyncio.run(fixtures.create_key(settings.database_url))
    except (OSError, asyncpg.PostgresError) as exc:
        say(
            f"cannot create the benchmark key in {settings.database_url.split('@')[-1]}: {exc} "
            "(bench needs the same DATABASE_URL as the running system)"
        )
        return 2
    try:
        document_id = asyncio.run(fixtures.create_document(gateway, api_key))
    except fixtures.NotReady as exc:
        say(f"the system is up but cannot serve the benchmark yet: {exc}")
        return 2
    if args.seed:
        seed.main([])

    load = wrk.Load(args.threads, args.connections, args.duration)
    say(f"machine: {machine.describe()}")
    say(
        f"wrk -t{load.threads} -c{load.connections} -d{load.duration_s}s (+{args.warmup}s warm-up each); gateway {gateway}"
    )
    run = Run(args, settings, gateway, api_key, document_id, load)
    report: dict[str, Any] = {"machine": machine.describe(), "load": asdict(load)}
    failed: list[str] = []
    for name in args.families:
        report[name] = FAMILIES[name](run)
        failed += _failed(report[name])
    if args.json:
        print(orjson.dumps(report).decode())
    if failed:
        say(f"more than 1% of requests failed in: {', '.join(failed)} — these figures are not valid")
        return 1
    return 0


def _errors(result: dict[str, Any]) -> int:
    keys = ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts")
    return sum(int(result[k]) for k in keys)


if __name__ == "__main__":
    sys.exit(main())
