"""CPU per proxied `GET /api/v1/documents/{id}`, per process: what one gateway → documents hop costs.

Throughput on a shared machine says more about the neighbours than about the code; the CPU each
process spends for a known number of requests does not. This drives wrk (`-t1 -c16` by default,
few enough connections that nothing queues long) at the running system's gateway and divides each
part's utime + stime (bench/cpu.py: the gateway, the documents service, this database's PostgreSQL
backends) by the requests answered:

    python -m bench.hop_cpu [--duration 10] [--connections 16] [--repeat 3]

Against the same settings as the running system (DATABASE_URL, GATEWAY_PORT, ...), like `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio

from bench import cpu, fixtures, wrk
from shared.settings import Settings

PARTS = ("gateway", "documents", "PostgreSQL (this database)")


def measure(url: str, api_key: str, processes: cpu.Processes, load: wrk.Load) -> tuple[float, dict[str, float]]:
    """Requests/s and each part's CPU µs per request over one wrk run."""
    before = cpu.read(processes)
    result = wrk.run(url, load, api_key=api_key)
    after = cpu.read(processes)
    if result.errors:
        raise SystemExit(f"bench.hop_cpu: {result.errors} of {result.requests} requests failed")
    seconds = cpu.spent(before, after)
    return result.rps, {part: seconds[part] * 1e6 / result.requests for part in PARTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", "-d", type=int, default=10)
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--threads", "-t", type=int, default=1)
    parser.add_argument("--repeat", "-n", type=int, default=3)
    args = parser.parse_args()

    settings = Settings()
    processes = cpu.find(settings)
    if processes is None:
        raise SystemExit("bench.hop_cpu: the system's services are not all running on this machine")
    gateway = settings.public_url.rstrip("/")
    api_key = asyncio.run(fixtures.create_key(settings.database_url))
    document_id = asyncio.run(fixtures.create_document(gateway, api_key))
    url = f"{gateway}/api/v1/documents/{document_id}"
    load = wrk.Load(threads=args.threads, connections=args.connections, duration_s=args.duration)
    wrk.run(url, wrk.Load(threads=1, connections=args.connections, duration_s=2), api_key=api_key)  # warm-up
    print(f"{'req/s':>8} " + " ".join(f"{part.split()[0] + ' µs':>14}" for part in PARTS))
    for _ in range(args.repeat):
        rps, per_request = measure(url, api_key, processes, load)
        print(f"{rps:>8,.0f} " + " ".join(f"{per_request[part]:>14,.0f}" for part in PARTS))


if __name__ == "__main__":
    main()
