"""Applies every service's numbered `.sql` migrations, once each, in order.

Each service owns one schema and keeps its migrations in `services/<name>/migrations/NNNN_*.sql`.
A transaction-scoped advisory lock serialises concurrent runners (two replicas starting at once
apply each file exactly once); `public.schema_migrations` records what has been applied.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
# Order matters only for readability; no schema references another's tables.
SERVICES = ("gateway", "documents", "audit", "notifier")
_LOCK_KEY = 0x436F756E  # "Coun": one advisory lock for the whole migration run


def migration_files(service: str) -> list[Path]:
    return sorted((SERVICES_DIR / service / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql"))


async def apply_migrations(database_url: str) -> list[str]:
    """Apply what is missing; returns the names applied by this call."""
    applied_now: list[str] = []
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS public.schema_migrations (
                       service text NOT NULL,
                       name text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(),
                       PRIMARY KEY (service, name))"""
            )
            done = {
                (r["service"], r["name"])
                for r in await conn.fetch("SELECT service, name FROM public.schema_migrations")
            }
            for service in SERVICES:
                for path in migration_files(service):
                    if (service, path.name) in done:
                        continue
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO public.schema_migrations (service, name) VALUES ($1, $2)", service, path.name
                    )
                    applied_now.append(f"{service}/{path.name}")
    finally:
        await conn.close()
    return applied_now


def _with_database(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/") or "postgres"


async def ensure_database(database_url: str, *, recreate: bool = False) -> None:
    """Create the database named in the URL if it does not exist (connecting to `postgres`)."""
    name = database_name(database_url)
    conn = await asyncpg.connect(_with_database(database_url, "postgres"))
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        if recreate:
            await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f"CREATE DATABASE {quoted}")
            # Created by a concurrent bootstrap meanwhile. Two CREATE DATABASE racing each other
            # collide on pg_database's unique index rather than reporting a duplicate database.
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass
    finally:
        await conn.close()


def main(database_url: str) -> None:
    asyncio.run(ensure_database(database_url))
    for name in asyncio.run(apply_migrations(database_url)):
        print(f"applied {name}")
