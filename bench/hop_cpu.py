"""CPU per proxied `GET /api/v1/documents/{id}`, per process: what one gateway → documents hop costs.

Throughput on a shared machine says more about the neighbours than about the code; the CPU each
process spends for a known number of requests does not. This drives wrk (`-t1 -c16` by default,
few enough connections that nothing queues long) at the running system's gateway and divides each
part's utime + stime (bench/cpu.py: the gateway, the documents service, this database's PostgreSQL
backends) by the requests answered. The bare app (bench/bare_app.py) is measured the same way
in the same sitting, so the CPU ratio (the bare app's CPU per request ÷ the whole hop's) says
what `make bench`'s req/s ratio would tend to on a machine whose cores are the limit, however
busy it is with other work:

    python -m bench.hop_cpu [--duration 10] [--connections 16] [--repeat 3]

Against the same settings as the running system (DATABASE_URL, GATEWAY_PORT, ...), like `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from urllib.parse import urlsplit

from bench import cpu, fixtures, gateway_read, wrk
from bench.memory import listening_pid
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
    warm_up = wrk.Load(threads=1, connections=args.connections, duration_s=2)
    wrk.run(url, warm_up, api_key=api_key)
    print(f"{'req/s':>8} " + " ".join(f"{part.split()[0] + ' µs':>14}" for part in PARTS) + f"{'CPU ratio':>11}")
    with gateway_read.bare_app() as bare:
        bare_pid = listening_pid(urlsplit(bare).port or 0)
        assert bare_pid is not None
        # The bare app as the one service of a system, PostgreSQL counted the same way.
        alone = dataclasses.replace(processes, services={"gateway": bare_pid, "documents": bare_pid})
        bare_url = f"{bare}/documents/{document_id}"
        wrk.run(bare_url, warm_up)
        for _ in range(args.repeat):
            rps, per_request = measure(url, api_key, processes, load)
            bare_rps, bare_cost = measure(bare_url, "", alone, load)
            hop = sum(per_request.values())
            bare_total = bare_cost["gateway"] + bare_cost["PostgreSQL (this database)"]
            row = " ".join(f"{per_request[part]:>14,.0f}" for part in PARTS)
            print(f"{rps:>8,.0f} {row}{bare_total / hop:>11.2f}")
            bare_parts = f"process {bare_cost['gateway']:,.0f} µs, PostgreSQL {bare_cost[PARTS[2]]:,.0f} µs"
            print(f"{'':>8} the bare app: {bare_rps:,.0f} req/s, {bare_parts} per request")


if __name__ == "__main__":
    main()
