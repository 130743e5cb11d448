"""Memory check (issue 12, item 5): every service's RSS while the documents service builds large
signed PDFs, and while a 50 MB signed PDF streams to a client through the gateway.

    python -m bench.memory [--builds 5] [--pages 100] [--megabytes 10] [--download-megabytes 49]

Like `make bench`, it measures a **running** system (`make run`); it finds each service's process
by the port it listens on (GATEWAY_PORT, DOCUMENTS_PORT, …) and reads VmRSS from /proc, so it
must run on the same machine as the user that started the system. It asks for a signer's link
the way the notifier does, so it needs the running system's INTERNAL_SECRET: its own, or the one
`countersign run` generated and kept in var/dev-internal-secret (Settings.beside_make_run).

Per build: a document of `--pages` pages and about `--megabytes` MB (incompressible images), 20
fields, one signer who signs them all; the RSS of every service after its signed PDF is stored.
Then one document of `--download-megabytes` (the largest upload the default MAX_UPLOAD_BYTES
accepts; its signed PDF is a little larger) whose signed PDF is downloaded through the gateway
while a thread samples every service's RSS every 10 ms: the growth is the peak minus the reading
just before the download. Targets: growth ≤ 20 MB in every process; every service < 150 MB.
`memory_check()` returns the readings for the bench runner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from dataclasses import dataclass

import aiohttp

from bench import fixtures
from bench.signed_documents import Client, large_pdf
from shared.settings import Settings

MB = 1024 * 1024
GROWTH_LIMIT_MB = 20
RSS_LIMIT_MB = 150


# --- processes ---------------------------------------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process listening on 127.0.0.1/0.0.0.0:`port` (from /proc/net/tcp and the fds)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                        inodes.add(parts[9])
        except FileNotFoundError:
            continue
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    return int(pid)
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return None


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        return []


class Sampler(threading.Thread):
    """The peak RSS of each process, read every 10 ms until stopped."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = {name: rss_mb(pid) for name, pid in pids.items()}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.01):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mb(pid))

    def stop(self) -> dict[str, float]:
        self._stop_event.set()
        self.join()
        return self.peak


# --- the check ---------------------------------------------------------------------------------


@dataclass
class MemoryReport:
    baseline: dict[str, float]
    after_builds: list[dict[str, float]]
    download_bytes: int
    before_download: dict[str, float]
    peak_download: dict[str, float]
    sandbox_workers: list[float]

    def growth(self) -> dict[str, float]:
        return {name: self.peak_download[name] - self.before_download[name] for name in self.before_download}

    def failures(self) -> list[str]:
        found = [f"{n} grew {g:.1f} MB during the download" for n, g in self.growth().items() if g > GROWTH_LIMIT_MB]
        for reading in [*self.after_builds, self.before_download]:
            found += over_limit(reading)
        return sorted(set(found))


def over_limit(reading: dict[str, float], when: str = "") -> list[str]:
    """The services at or over RSS_LIMIT_MB in one reading, as failure lines."""
    return [f"{n} at {mb:.0f} MB{' ' + when if when else ''}" for n, mb in reading.items() if mb >= RSS_LIMIT_MB]


def service_ports(settings: Settings) -> dict[str, int]:
    """Where each service of the running system listens (what finds its process: bench.cpu too)."""
    return {service: getattr(settings, f"{service}_port") for service in ("gateway", "documents", "audit", "notifier")}


def service_pids(settings: Settings) -> dict[str, int]:
    ports = service_ports(settings)
    pids = {name: listening_pid(port) for name, port in ports.items()}
    missing = [f"{name} (:{ports[name]})" for name, pid in pids.items() if pid is None]
    if missing:
        raise SystemExit(f"bench.memory: no process listens for {', '.join(missing)}; is the system running here?")
    return {name: pid for name, pid in pids.items() if pid is not None}


def _readings(pids: dict[str, int]) -> dict[str, float]:
    return {name: round(rss_mb(pid), 1) for name, pid in pids.items()}


async def memory_check(
    gateway: str,
    settings: Settings,
    *,
    builds: int = 5,
    pages: int = 100,
    megabytes: float = 10,
    download_mb: float = 49,
) -> MemoryReport:
    if settings.internal_secret is None:
        raise SystemExit("bench.memory: set INTERNAL_SECRET to the running system's (INTERNAL_SECRET=… make run)")
    pids = service_pids(settings)
    key = await fixtures.create_key(settings.database_url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http:
        client = Client(http, gateway, settings, key)
        client.org_id = (await client.api.call("GET", "/api/v1/org", 200))["id"]
        baseline = _readings(pids)
        after_builds = []
        for n in range(builds):
            await client.signed_document(large_pdf(pages, megabytes), pages)
            after_builds.append(_readings(pids))
            print(f"bench.memory: after build {n + 1}: {after_builds[-1]}", flush=True)
        big = await client.signed_document(large_pdf(pages, download_mb), pages)
        await asyncio.sleep(1)  # let the build's own garbage settle before the reading
        before = _readings(pids)
        sampler = Sampler(pids)
        sampler.start()
        try:
            size, _ = await client.download(big)
        finally:
            peak = sampler.stop()
        workers = [round(rss_mb(p), 1) for p in children(pids["documents"])]
    return MemoryReport(baseline, after_builds, size, before, {k: round(v, 1) for k, v in peak.items()}, workers)


def print_report(report: MemoryReport) -> None:
    print(f"\n{'service':<10} {'baseline':>9} {'after builds':>13} {'before dl':>10} {'peak dl':>8} {'growth':>7}")
    last = report.after_builds[-1] if report.after_builds else report.baseline
    growth = report.growth()
    for name in report.baseline:
        print(
            f"{name:<10} {report.baseline[name]:>7.1f}MB {last[name]:>11.1f}MB {report.before_download[name]:>8.1f}MB"
            f" {report.peak_download[name]:>6.1f}MB {growth[name]:>+6.1f}"
        )
    print(
        f"(download: {report.download_bytes / MB:.1f} MB through the gateway; sandbox workers: {report.sandbox_workers} MB)"
    )
    problems = report.failures()
    print(
        "memory: "
        + (
            "; ".join(problems)
            if problems
            else f"every growth ≤ {GROWTH_LIMIT_MB} MB, every service < {RSS_LIMIT_MB} MB"
        )
    )


def main(argv: list[str] | None = None) -> int:
    settings = Settings().beside_make_run()
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--gateway-url", default=os.environ.get("BENCH_GATEWAY_URL", settings.public_url))
    parser.add_argument("--builds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--megabytes", type=float, default=10)
    parser.add_argument("--download-megabytes", type=float, default=49)
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = asyncio.run(
        memory_check(
            args.gateway_url.rstrip("/"),
            settings,
            builds=args.builds,
            pages=args.pages,
            megabytes=args.megabytes,
            download_mb=args.download_megabytes,
        )
    )
    print_report(report)
    print(f"(took {time.monotonic() - started:.0f} s)")
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
