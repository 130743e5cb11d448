"""`countersign infra --clean-test-namespaces`: remove what killed test runs left behind.

A test namespace `ns` owns the AMQP names `ns.*` and the databases `ns`, and everything derived
from it by the tests (`ns_<suffix>.*`, database `ns_<suffix>`: scratch namespaces, the replica
and crash systems). A run that is killed leaves its quorum queues and exchanges on the broker;
after a day of parallel runs there were ~1,900 of them and the broker wedged.

What is removed: the names of namespaces whose lock file no live process holds
(devstack/namespace_locks.py), when no held lock also covers them and none of their queues has a
consumer (an orphaned child of a killed run may still be working). What is never removed: names
no lock file covers (`make run`, runs of older checkouts), and the configured AMQP_NAMESPACE and
DATABASE_URL database, even if a lock file names them. Covering is by prefix (`ns` covers
`ns_gw0` and `ns_gw0_relay`), so a stale `ns` also covers another person's `ns_x` unless that
run holds its own lock (docs/running.md, "Test namespaces").

The broker is listed with `rabbitmqctl` when it runs on this machine (the management plugin is
not enabled here, and AMQP cannot list); otherwise only a namespace's own names (`ns.audit`, ...)
are known. Deletion goes through AMQP (queue.delete, exchange.delete): the broker is never
restarted.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import aio_pika
import asyncpg

from services.devstack.infra import with_broker
from services.devstack.namespace_locks import claim_stale, registered_namespaces
from shared.broker import CONSUMERS
from shared.migrate import _with_database, database_name
from shared.settings import Settings


@dataclass
class Cleaned:
    namespace: str
    queues: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    kept_because: str | None = None  # set when the namespace was stale but is still in use


def _namespace_of(name: str) -> str:
    return name.split(".", 1)[0]


def _covers(namespace: str, name_namespace: str) -> bool:
    return name_namespace == namespace or name_namespace.startswith(namespace + "_")


def _rabbitmqctl(settings: Settings, *args: str) -> list[list[str]] | None:
    """Rows of a `rabbitmqctl list_*`, or None when it cannot answer for this broker."""
    host = urlsplit(settings.amqp_url).hostname or "localhost"
    if host not in ("localhost", "127.0.0.1", "::1") or not shutil.which("rabbitmqctl"):
        return None  # it speaks to the local node only
    vhost = unquote(urlsplit(settings.amqp_url).path.lstrip("/")) or "/"
    try:
        done = subprocess.run(
            ["timeout", "60", "rabbitmqctl", "-q", "-p", vhost, *args, "--no-table-headers"],
            capture_output=True,
            text=True,
            timeout=70,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [line.split("\t") for line in done.stdout.splitlines() if line.strip()]


def _known_names(namespace: str) -> tuple[list[str], list[str]]:
    queues = [f"{namespace}.{c}{dead}" for c in CONSUMERS for dead in ("", ".dead")]
    return queues, [f"{namespace}.events", f"{namespace}.dead"]


def _broker_names(settings: Settings, stale: list[str]) -> tuple[list[str], list[str]]:
    """The queue names and the exchange names there are (or, unlisted, there may be)."""
    queues = _rabbitmqctl(settings, "list_queues", "name")
    exchanges = _rabbitmqctl(settings, "list_exchanges", "name")
    if queues is not None and exchanges is not None:
        return [row[0] for row in queues if row[0]], [row[0] for row in exchanges if row[0]]
    known_queues: list[str] = []
    known_exchanges: list[str] = []
    for namespace in stale:
        q, e = _known_names(namespace)
        known_queues.extend(q)
        known_exchanges.extend(e)
    return known_queues, known_exchanges


async def _remove_unless_busy(settings: Settings, groups: list[Cleaned]) -> None:
    """Delete each group's queues and exchanges, unless one of its queues has a consumer.

    Consumers are counted by a passive declare: `rabbitmqctl list_queues consumers` lags seconds
    behind for quorum queues."""

    async def remove(connection: aio_pika.abc.AbstractConnection) -> None:
        channel = await connection.channel()
        for group in groups:
            present = []
            for name in group.queues:
                try:
                    declared = await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    channel = await connection.channel()  # the broker closes a channel on a miss
                    continue
                present.append(name)
                if declared.declaration_result.consumer_count:
                    group.kept_because = f"{name} has consumers"
                    break
            if group.kept_because:
                group.queues, group.exchanges = [], []
                continue
            group.queues = present
            for name in group.queues:
                await channel.queue_delete(name)
            for name in group.exchanges:
                await channel.exchange_delete(name)  # absent already: not an error

    await with_broker(settings, remove)


async def clean_test_namespaces(settings: Settings) -> list[Cleaned]:
    registered = registered_namespaces()
    claims = claim_stale()
    if not claims:
        return []  # nothing to look for: no rabbitmqctl, no connection
    protected_db = database_name(settings.database_url)
    results: list[Cleaned] = []
    try:
        stale = [c.namespace for c in claims if c.namespace != settings.amqp_namespace]
        live = [n for n in registered if n not in stale]

        def owner(name_namespace: str) -> str | None:
            """The stale namespace a name belongs to, unless anything live or protected covers it."""
            if name_namespace == settings.amqp_namespace or any(_covers(n, name_namespace) for n in live):
                return None
            # The most specific stale namespace: `ns_gw0`'s names are reported under it, not under `ns`.
            return max((n for n in stale if _covers(n, name_namespace)), key=len, default=None)

        queues, exchanges = _broker_names(settings, stale)
        by_namespace = {n: Cleaned(n) for n in stale}
        for name in queues:
            if (ns := owner(_namespace_of(name))) is not None:
                by_namespace[ns].queues.append(name)
        for name in exchanges:
            if (ns := owner(_namespace_of(name))) is not None:
                by_namespace[ns].exchanges.append(name)
        await _remove_unless_busy(settings, list(by_namespace.values()))
        await _drop_databases(settings, by_namespace, owner, protected_db)
        results = list(by_namespace.values())
    finally:
        done = {c.namespace for c in results if c.kept_because is None}
        for claim in claims:
            claim.release(cleaned=claim.namespace in done)
    return results


async def _drop_databases(
    settings: Settings, by_namespace: dict[str, Cleaned], owner: Callable[[str], str | None], protected: str
) -> None:
    conn = await asyncpg.connect(_with_database(settings.database_url, "postgres"))
    try:
        for (name,) in await conn.fetch("SELECT datname FROM pg_database WHERE NOT datistemplate"):
            ns = owner(name)
            if ns is None or name in (protected, "postgres") or by_namespace[ns].kept_because:
                continue
            try:
                # No FORCE: a session still in it means someone is there after all.
                await conn.execute('DROP DATABASE IF EXISTS "' + name.replace('"', '""') + '"')
            except asyncpg.ObjectInUseError:
                by_namespace[ns].kept_because = f"database {name} has sessions"
                continue
            by_namespace[ns].databases.append(name)
    finally:
        await conn.close()


def describe(results: list[Cleaned]) -> str:
    lines = []
    for r in results:
        if r.kept_because:
            lines.append(f"kept test namespace {r.namespace}: {r.kept_because}")
        else:
            lines.append(
                f"removed test namespace {r.namespace}: {len(r.queues)} queue(s), {len(r.exchanges)} exchange(s), "
                f"{len(r.databases)} database(s)"
            )
    return "\n".join(lines) or "no test namespaces left behind"
