"""The operator CLI, run as operators run it: `.venv/bin/countersign` in a subprocess, against
the test database, and its keys used through the running gateway."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from shared.migrate import _with_database, database_name
from shared.settings import Settings
from tests.harness import SERVICE_NAMES, System

COUNTERSIGN = str(Path(sys.executable).parent / "countersign")
ISK = re.compile(r"^isk_[A-Za-z0-9_-]{44}$")


@dataclass
class Result:
    code: int
    out: str
    err: str


async def countersign(*args: str, env: dict[str, str], timeout: float = 60) -> Result:
    # Asynchronous, so the in-process services of the `system` fixture keep answering meanwhile.
    proc = await asyncio.create_subprocess_exec(
        COUNTERSIGN, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


def cli_env(settings: Settings, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "AMQP_", "INTERNAL_"))}
    env.update(
        {
            "DATABASE_URL": settings.database_url,
            "AMQP_URL": settings.amqp_url,
            "AMQP_NAMESPACE": settings.amqp_namespace,
        }
    )
    env.update(overrides)
    return env


@pytest.fixture
def env(prepared: Settings) -> dict[str, str]:
    return cli_env(prepared)


_org_counter = 0


@pytest.fixture
def org_name() -> str:
    global _org_counter
    _org_counter += 1
    return f"CLI Org {os.getpid()} {_org_counter}"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nothing listens on: bound (so nobody else takes it) but never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


async def get_org(http: aiohttp.ClientSession, system: System, key: str) -> tuple[int, dict]:
    async with http.get(system.gateway_url + "/api/v1/org", headers={"Authorization": f"Bearer {key}"}) as resp:
        return resp.status, await resp.json(content_type=None)


async def key_row(db: asyncpg.Pool, key_id: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT k.*, row_to_json(k)::text AS everything FROM gateway.api_keys k WHERE id = $1", key_id
    )
    assert row is not None
    return row


async def test_keys_create_json(
    env: dict[str, str], org_name: str, db: asyncpg.Pool, system: System, http: aiohttp.ClientSession
) -> None:
    result = await countersign("keys", "create", "--org", org_name, "--json", env=env)
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert set(created) == {"orgId", "keyId", "apiKey"}
    assert ISK.match(created["apiKey"])

    row = await key_row(db, created["keyId"])
    # Only the hash is stored (and a display prefix): the key itself is nowhere in the row.
    assert bytes(row["key_hash"]) == hashlib.sha256(created["apiKey"].encode()).digest()
    assert created["apiKey"] not in row["everything"]
    assert created["apiKey"][8:] not in row["everything"]
    assert row["prefix"] == created["apiKey"][:8]
    assert row["kind"] == "insigner" and list(row["scopes"]) == ["*"]
    assert row["org_id"] == created["orgId"]

    status, body = await get_org(http, system, created["apiKey"])
    assert status == 200, body
    assert body["data"]["id"] == created["orgId"]
    assert body["data"]["name"] == org_name
    assert body["data"]["_count"]["members"] == 1  # the admin member created with the organisation

    # A second key for the same organisation joins it; it does not create another.
    again = json.loads((await countersign("keys", "create", "--org", org_name, "--json", env=env)).out)
    assert again["orgId"] == created["orgId"] and again["keyId"] != created["keyId"]
    assert again["apiKey"] != created["apiKey"]


async def test_keys_create_plain_output_shows_the_key_once(env: dict[str, str], org_name: str) -> None:
    result = await countersign("keys", "create", "--org", org_name, "--name", "Backend", env=env)
    assert result.code == 0, result.err
    keys = re.findall(r"isk_[A-Za-z0-9_-]{44}", result.out)
    assert len(keys) == 1
    assert "shown only once" in result.out


async def test_keys_create_with_scopes(
    env: dict[str, str], org_name: str, db: asyncpg.Pool, system: System, http: aiohttp.ClientSession
) -> None:
    result = await countersign(
        "keys", "create", "--org", org_name, "--scopes", "org.read, documents.read", "--json", env=env
    )
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert list((await key_row(db, created["keyId"]))["scopes"]) == ["documents.read", "org.read"]
    assert (await get_org(http, system, created["apiKey"]))[0] == 200

    narrow = json.loads(
        (await countersign("keys", "create", "--org", org_name, "--scopes", "documents.*", "--json", env=env)).out
    )
    status, body = await get_org(http, system, narrow["apiKey"])
    assert status == 403, body
    assert "org.read" in body["detail"]


@pytest.mark.parametrize("scopes", ["documents.read,bogus", "documents.frobnicate", "org.*", ","])
async def test_keys_create_rejects_bad_scopes(
    env: dict[str, str], org_name: str, db: asyncpg.Pool, scopes: str
) -> None:
    result = await countersign("keys", "create", "--org", org_name, "--scopes", scopes, "--json", env=env)
    assert result.code != 0
    assert result.out == ""
    assert "Traceback" not in result.err
    line = result.err.strip()
    assert "\n" not in line
    if scopes != ",":
        assert "unknown scope" in line and scopes.split(",")[-1] in line
    else:
        assert "at least one scope" in line
    # Nothing was created for the refused command.
    assert await db.fetchval("SELECT count(*) FROM gateway.organizations WHERE name = $1", org_name) == 0


async def test_keys_create_wpsigner(
    env: dict[str, str], org_name: str, db: asyncpg.Pool, system: System, http: aiohttp.ClientSession
) -> None:
    result = await countersign("keys", "create", "--org", org_name, "--wpsigner", "--json", env=env)
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert set(created) == {"orgId", "keyId", "apiKey", "apiSecret"}
    assert re.match(r"^wps_[A-Za-z0-9]{32}$", created["apiKey"])
    assert len(created["apiSecret"]) >= 32
    row = await key_row(db, created["keyId"])
    assert row["kind"] == "wpsigner" and row["read_only"] is False
    assert bytes(row["key_hash"]) == hashlib.sha256(created["apiKey"].encode()).digest()
    assert bytes(row["secret_hash"]) == hashlib.sha256(created["apiSecret"].encode()).digest()
    assert created["apiSecret"] not in row["everything"] and created["apiKey"] not in row["everything"]
    # A WPsigner credential is not an inSigner key.
    assert (await get_org(http, system, created["apiKey"]))[0] == 401

    read_only = json.loads(
        (await countersign("keys", "create", "--org", org_name, "--wpsigner", "--read-only", "--json", env=env)).out
    )
    assert "apiSecret" in read_only
    assert (await key_row(db, read_only["keyId"]))["read_only"] is True


async def test_keys_create_refuses_mixed_options(env: dict[str, str], org_name: str) -> None:
    read_only = await countersign("keys", "create", "--org", org_name, "--read-only", env=env)
    assert read_only.code == 2 and "--wpsigner" in read_only.err
    scoped = await countersign("keys", "create", "--org", org_name, "--wpsigner", "--scopes", "documents.read", env=env)
    assert scoped.code == 2 and "--read-only" in scoped.err
    empty = await countersign("keys", "create", "--org", "  ", env=env)
    assert empty.code == 2 and "--org" in empty.err


async def test_keys_list_shows_prefix_not_key(env: dict[str, str], org_name: str) -> None:
    first = json.loads(
        (await countersign("keys", "create", "--org", org_name, "--name", "First key", "--json", env=env)).out
    )
    second = json.loads((await countersign("keys", "create", "--org", org_name, "--wpsigner", "--json", env=env)).out)
    result = await countersign("keys", "list", "--org", org_name, env=env)
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == 2
    assert first["keyId"] in lines[0] and first["apiKey"][:8] in lines[0] and "First key" in lines[0]
    assert second["keyId"] in lines[1] and second["apiKey"][:8] in lines[1] and "wpsigner" in lines[1]
    for created in (first, second):
        assert created["apiKey"] not in result.out
        assert created["apiKey"][8:16] not in result.out
    assert second["apiSecret"] not in result.out

    nobody = await countersign("keys", "list", "--org", org_name + " (none)", env=env)
    assert nobody.code == 0 and "no keys" in nobody.out


async def test_keys_revoke_takes_effect_at_once(
    env: dict[str, str], org_name: str, system: System, http: aiohttp.ClientSession
) -> None:
    created = json.loads((await countersign("keys", "create", "--org", org_name, "--json", env=env)).out)
    assert (await get_org(http, system, created["apiKey"]))[0] == 200

    result = await countersign("keys", "revoke", created["keyId"], env=env)
    assert result.code == 0, result.err
    assert created["keyId"] in result.out
    status, body = await get_org(http, system, created["apiKey"])
    assert status == 401
    assert body["type"] == "https://docs.insigner.com/errors/unauthorized"
    listed = await countersign("keys", "list", "--org", org_name, env=env)
    assert "revoked" in listed.out

    unknown = await countersign("keys", "revoke", "key_doesnotexist", env=env)
    assert unknown.code == 1 and "no key key_doesnotexist" in unknown.err


async def test_migrate_is_idempotent(env: dict[str, str]) -> None:
    result = await countersign("migrate", env=env)
    assert result.code == 0, result.err
    assert result.out.strip() == "database is up to date"


async def test_two_migrate_processes_at_once(prepared: Settings) -> None:
    url = _with_database(prepared.database_url, database_name(prepared.database_url) + "_climigrate")
    env = cli_env(prepared, DATABASE_URL=url)
    try:
        first, second = await asyncio.gather(countersign("migrate", env=env), countersign("migrate", env=env))
        assert (first.code, second.code) == (0, 0), first.err + second.err
        applied = [line for line in (first.out + second.out).splitlines() if line.startswith("applied ")]
        assert applied and len(applied) == len(set(applied))
        assert "database is up to date" in first.out + second.out
        assert (await countersign("migrate", env=env)).out.strip() == "database is up to date"
    finally:
        conn = await asyncpg.connect(_with_database(url, "postgres"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
        await conn.close()


def assert_one_clear_line(result: Result, server: str, start_hint: str, port: int) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert server in lines[0] and f":{port}" in lines[0] and start_hint in lines[0]


async def test_run_without_rabbitmq_says_so_in_one_line(prepared: Settings, closed_port: int) -> None:
    env = cli_env(prepared, AMQP_URL=f"amqp://guest:guest@127.0.0.1:{closed_port}/")
    result = await countersign("run", env=env)
    assert_one_clear_line(result, "RabbitMQ", "rabbitmq-server", closed_port)
    assert "guest:guest" not in result.err  # credentials never printed


async def test_infra_without_rabbitmq_says_so_in_one_line(prepared: Settings, closed_port: int) -> None:
    env = cli_env(prepared, AMQP_URL=f"amqp://guest:guest@127.0.0.1:{closed_port}/")
    assert_one_clear_line(await countersign("infra", env=env), "RabbitMQ", "rabbitmq-server", closed_port)


async def test_without_postgres_says_so_in_one_line(prepared: Settings, closed_port: int) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port}/countersign"
    env = cli_env(prepared, DATABASE_URL=url)
    commands = (["run"], ["infra"], ["migrate"], ["keys", "list", "--org", "x"])
    results = await asyncio.gather(*(countersign(*command, env=env) for command in commands))
    for result in results:
        assert_one_clear_line(result, "PostgreSQL", "pg_ctlcluster", closed_port)
        assert "hunter2" not in result.err


def free_ports(count: int) -> list[int]:
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()
    return ports


def _child_running(parent: int, module: str) -> int:
    """The pid of `parent`'s child process running `python -m module`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == parent and module.encode() in cmdline:
            return int(stat.parent.name)
    raise AssertionError(f"no child of {parent} runs {module}")


async def test_run_starts_everything_restarts_a_killed_service_and_ctrl_c_stops_it(
    prepared: Settings, tmp_path: Path, http: aiohttp.ClientSession
) -> None:

    from tests.scratch import delete_amqp_namespace

    gateway, documents, audit, notifier, s3, smtp, tsa, *metrics = free_ports(11)
    url = _with_database(prepared.database_url, database_name(prepared.database_url) + "_run")
    namespace = prepared.amqp_namespace + "_run"
    env = cli_env(
        prepared,
        DATABASE_URL=url,
        AMQP_NAMESPACE=namespace,
        GATEWAY_PORT=str(gateway),
        DOCUMENTS_PORT=str(documents),
        AUDIT_PORT=str(audit),
        NOTIFIER_PORT=str(notifier),
        DOCUMENTS_URL=f"http://127.0.0.1:{documents}",
        AUDIT_URL=f"http://127.0.0.1:{audit}",
        NOTIFIER_URL=f"http://127.0.0.1:{notifier}",
        PUBLIC_URL=f"http://127.0.0.1:{gateway}",
        S3_ENDPOINT_URL=f"http://127.0.0.1:{s3}",
        SMTP_PORT=str(smtp),
        MAIL_SINK_DIR=str(tmp_path / "mail"),
        # Not the defaults either: a `make run` on this machine holds those.
        DEV_TSA_PORT=str(tsa),
        **{f"{name.upper()}_METRICS_PORT": str(port) for name, port in zip(SERVICE_NAMES, metrics, strict=True)},
    )
    # Its own process group, so that a failed test can kill the services with `run` (below).
    proc = await asyncio.create_subprocess_exec(
        COUNTERSIGN,
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    lines: list[str] = []

    async def read_output() -> None:  # read as it comes: a full pipe would stall the services' logs
        assert proc.stdout is not None
        async for line in proc.stdout:
            lines.append(line.decode().rstrip())

    reader = asyncio.create_task(read_output())
    try:
        ready = None
        for _ in range(120):
            try:
                async with http.get(f"http://127.0.0.1:{gateway}/readyz") as resp:
                    ready = await resp.json()
                    if resp.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            assert proc.returncode is None, "countersign run exited early"
            await asyncio.sleep(0.25)
        assert ready is not None and ready["status"] == "ready", ready
        # A key made with the CLI works against the system `run` started.
        created = json.loads((await countersign("keys", "create", "--org", "Run Org", "--json", env=env)).out)
        async with http.get(
            f"http://127.0.0.1:{gateway}/api/v1/org", headers={"Authorization": f"Bearer {created['apiKey']}"}
        ) as resp:
            assert resp.status == 200

        # A service killed outright is started again, and the system answers again through it.
        killed = _child_running(proc.pid, "services.documents")
        os.kill(killed, signal.SIGKILL)
        status = None
        for _ in range(120):
            await asyncio.sleep(0.25)
            assert proc.returncode is None, "countersign run exited after a service was killed"
            try:
                async with http.get(
                    f"http://127.0.0.1:{gateway}/api/v1/documents",
                    headers={"Authorization": f"Bearer {created['apiKey']}"},
                ) as resp:
                    status = resp.status
            except aiohttp.ClientError:
                continue
            if status == 200 and any("starting it again" in line for line in lines):
                break
        assert status == 200
        assert "countersign: documents exited with code -9; starting it again" in lines
        assert _child_running(proc.pid, "services.documents") != killed

        # The operator commands find the INTERNAL_SECRET `run` generated (cli_env sets none).
        failed = await countersign("emails", "failed", "--json", env=env)
        assert failed.code == 0, failed.err
        assert json.loads(failed.out) == []

        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        await asyncio.wait_for(proc.wait(), 30)
        await asyncio.wait_for(reader, 30)  # the output ends when the services have stopped
        assert proc.returncode == 0
        assert lines[-1] == "countersign: stopped"
        for port in (gateway, documents, audit, notifier, s3, smtp):
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        # `run` and every service it started, even when `run` itself has gone already: services
        # left behind would hold the output pipe (and the reader) open forever.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        reader.cancel()
        conn = await asyncpg.connect(_with_database(url, "postgres"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
        await conn.close()
        await delete_amqp_namespace(prepared.model_copy(update={"amqp_namespace": namespace}))


async def test_run_with_a_port_in_use_says_so_in_one_line(prepared: Settings) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        gateway, documents, audit, notifier, s3 = free_ports(5)
        env = cli_env(
            prepared,
            SMTP_PORT=str(port),
            GATEWAY_PORT=str(gateway),
            DOCUMENTS_PORT=str(documents),
            AUDIT_PORT=str(audit),
            NOTIFIER_PORT=str(notifier),
            S3_ENDPOINT_URL=f"http://127.0.0.1:{s3}",
        )
        result = await countersign("run", env=env)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.strip().splitlines() == [
        f"countersign: port {port} on 127.0.0.1 (for the SMTP sink) is already in use; stop what uses it or set SMTP_PORT"
    ]


async def test_concurrent_key_creation_for_a_new_org(env: dict[str, str], org_name: str, db: asyncpg.Pool) -> None:
    results = await asyncio.gather(
        *(countersign("keys", "create", "--org", org_name, "--json", env=env) for _ in range(4))
    )
    assert [r.code for r in results] == [0] * 4, [r.err for r in results]
    created = [json.loads(r.out) for r in results]
    assert len({c["orgId"] for c in created}) == 1
    assert len({c["keyId"] for c in created}) == 4
    org_id = created[0]["orgId"]
    assert await db.fetchval("SELECT count(*) FROM gateway.members WHERE org_id = $1", org_id) == 1
    assert await db.fetchval("SELECT count(*) FROM gateway.organizations WHERE name = $1", org_name) == 1


async def test_concurrent_orgs_with_the_same_slug(env: dict[str, str], org_name: str, db: asyncpg.Pool) -> None:
    names = [f"{org_name}!", f"{org_name}?", f"{org_name}."]
    results = await asyncio.gather(*(countersign("keys", "create", "--org", n, "--json", env=env) for n in names))
    assert [r.code for r in results] == [0] * 3, [r.err for r in results]
    slugs = await db.fetch("SELECT name, slug FROM gateway.organizations WHERE name = ANY($1)", names)
    assert len(slugs) == 3 and len({r["slug"] for r in slugs}) == 3
