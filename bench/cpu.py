"""CPU spent by each part of a running system during a measurement, read from /proc.

On a shared machine wall-clock figures say more about the neighbours than about the code, but
the CPU a process spent (utime + stime) for a known amount of work does not: the lifecycle
family divides it by the completed lifecycles, so versions can be compared on a loaded machine.

Parts: each service found by the port it listens on (with its descendants, i.e. the sandbox
workers, and `cutime`/`cstime` of children it has reaped, i.e. recycled workers), the process
that started them (`countersign run`: the embedded S3 server and the development TSA run in its
threads, the SMTP sink in a child process of its own, counted with it), the PostgreSQL backends connected to the system's database (a backend
that ends between the two readings takes its CPU with it: they are pooled, so few do), and this
benchmark process itself (the load generator). RabbitMQ is left out: one broker serves every
stack on a shared machine.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import asyncpg

from bench.memory import children, listening_pid, service_ports
from shared.settings import Settings

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()  # after the command, which may hold spaces
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def own_seconds(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of `pid` (and of the children it has waited for, with `reaped`)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # fields[0] is the state (field 3 of proc(5)): utime, stime, cutime, cstime are 14..17.
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def tree_seconds(pid: int) -> float:
    """A service with its live descendants and every child it has reaped."""
    total = own_seconds(pid, reaped=True)
    for child in children(pid):
        total += tree_seconds(child)
    return total


def parent_pid(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields is not None else None


@dataclass(frozen=True)
class Processes:
    services: dict[str, int]
    supervisor: int | None  # `countersign run`, when the services are its children
    database: str  # the PostgreSQL DSN whose backends are counted


def find(settings: Settings) -> Processes | None:
    """The running system's processes, or None when a service is not found on this machine."""
    ports = service_ports(settings)
    pids = {name: listening_pid(port) for name, port in ports.items()}
    found = {name: pid for name, pid in pids.items() if pid is not None}
    if len(found) != len(ports):
        return None
    parents = {parent_pid(pid) for pid in found.values()}
    supervisor = parents.pop() if len(parents) == 1 else None
    return Processes(found, supervisor if supervisor not in (None, 1) else None, settings.database_url)


async def _database(database_url: str) -> tuple[dict[int, float], int]:
    """CPU seconds of each backend of the database, and its committed transactions so far."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        commits = await conn.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    finally:
        await conn.close()
    return {r["pid"]: own_seconds(r["pid"]) for r in rows}, int(commits or 0)


@dataclass(frozen=True)
class Reading:
    parts: dict[str, float]
    backends: dict[int, float]
    commits: int  # PostgreSQL's committed transactions in the database (each a WAL flush)


def read(processes: Processes) -> Reading:
    parts = {name: tree_seconds(pid) for name, pid in processes.services.items()}
    if processes.supervisor is not None:
        services = set(processes.services.values())
        helpers = [pid for pid in children(processes.supervisor) if pid not in services]  # the SMTP sink
        parts["dev infra (S3, SMTP, TSA)"] = own_seconds(processes.supervisor) + sum(map(tree_seconds, helpers))
    times = os.times()
    parts["bench client"] = times.user + times.system
    backends, commits = asyncio.run(_database(processes.database))
    return Reading(parts, backends, commits)


def spent(before: Reading, after: Reading) -> dict[str, float]:
    """CPU seconds of each part between the two readings."""
    result = {name: after.parts[name] - before.parts.get(name, 0.0) for name in after.parts}
    result["PostgreSQL (this database)"] = sum(
        seconds - before.backends.get(pid, 0.0) for pid, seconds in after.backends.items()
    )
    return result


def commits(before: Reading, after: Reading) -> int:
    # pg_stat_database lags by up to PGSTAT's flush interval (about a second): fine over a run.
    return after.commits - before.commits


def print_per_unit(seconds: dict[str, float], commits: int, units: int, unit: str) -> None:
    if not units:
        return
    total = sum(seconds.values())
    print(f"  CPU per {unit} (utime+stime from /proc; RabbitMQ not counted): {total / units * 1000:,.0f} ms")
    print(f"    PostgreSQL transactions committed per {unit}: {commits / units:,.1f}")
    for name, value in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"    {name:<28} {value / units * 1000:>8,.1f} ms   ({value:,.1f} s in all)")
