"""The migration runner: each file applied exactly once, even by concurrent runners."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.migrate import SERVICES, _with_database, apply_migrations, database_name, ensure_database, migration_files
from shared.settings import Settings


def all_migrations() -> list[str]:
    return [f"{service}/{path.name}" for service in SERVICES for path in migration_files(service)]


@pytest.fixture
async def scratch_url(settings: Settings) -> AsyncIterator[str]:
    url = _with_database(settings.database_url, database_name(settings.database_url) + "_migrate")
    await ensure_database(url, recreate=True)
    yield url
    conn = await asyncpg.connect(_with_database(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await conn.close()


def test_every_service_has_migrations() -> None:
    for service in SERVICES:
        assert migration_files(service), f"{service} has no migrations"
    names = all_migrations()
    assert len(names) == len(set(names))


async def test_concurrent_runners_apply_each_file_once(scratch_url: str) -> None:
    first, second = await asyncio.gather(apply_migrations(scratch_url), apply_migrations(scratch_url))
    expected = all_migrations()
    # One runner applied everything (in order); the other, serialised behind it, nothing.
    assert sorted([first, second], key=len) == [[], expected]

    conn = await asyncpg.connect(scratch_url)
    try:
        rows = await conn.fetch("SELECT service, name, count(*) AS n FROM public.schema_migrations GROUP BY 1, 2")
        assert sorted(f"{r['service']}/{r['name']}" for r in rows) == sorted(expected)
        assert {r["n"] for r in rows} == {1}
        # The schemas really exist (the files ran, not just their bookkeeping).
        schemas = {r["nspname"] for r in await conn.fetch("SELECT nspname FROM pg_namespace")}
        assert set(SERVICES) <= schemas
    finally:
        await conn.close()

    assert await apply_migrations(scratch_url) == []


async def test_new_file_is_applied_on_the_next_run(scratch_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    await apply_migrations(scratch_url)
    # A later migration of one service, dropped into a copy of the services tree.
    import shutil

    import shared.migrate as migrate

    tree = tmp_path / "services"
    for service in SERVICES:
        shutil.copytree(migrate.SERVICES_DIR / service / "migrations", tree / service / "migrations")
    (tree / "audit" / "migrations" / "9999_probe.sql").write_text("CREATE TABLE audit.migration_probe (id int);")
    monkeypatch.setattr(migrate, "SERVICES_DIR", tree)

    assert await apply_migrations(scratch_url) == ["audit/9999_probe.sql"]
    assert await apply_migrations(scratch_url) == []
    conn = await asyncpg.connect(scratch_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('audit.migration_probe') IS NOT NULL")
    finally:
        await conn.close()


async def test_failing_migration_applies_nothing_of_its_run(
    scratch_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import shared.migrate as migrate

    tree = tmp_path / "services"
    for service in SERVICES:
        shutil.copytree(migrate.SERVICES_DIR / service / "migrations", tree / service / "migrations")
    (tree / "notifier" / "migrations" / "9999_broken.sql").write_text(
        "CREATE TABLE notifier.ok (id int); SELEC nonsense;"
    )
    monkeypatch.setattr(migrate, "SERVICES_DIR", tree)

    with pytest.raises(asyncpg.PostgresSyntaxError):
        await apply_migrations(scratch_url)
    conn = await asyncpg.connect(scratch_url)
    try:
        # The run is one transaction: a broken file leaves the database as it was.
        assert await conn.fetchval("SELECT to_regclass('public.schema_migrations')") is None
        assert await conn.fetchval("SELECT to_regclass('notifier.ok')") is None
    finally:
        await conn.close()


async def test_ensure_database_is_idempotent_and_concurrent(scratch_url: str) -> None:
    other = scratch_url + "_b"
    try:
        await asyncio.gather(ensure_database(other), ensure_database(other), ensure_database(other))
        await ensure_database(other)
        conn = await asyncpg.connect(other)
        assert await conn.fetchval("SELECT current_database()") == database_name(other)
        await conn.close()
    finally:
        conn = await asyncpg.connect(_with_database(other, "postgres"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(other)}" WITH (FORCE)')
        await conn.close()
