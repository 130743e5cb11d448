"""What the use cases depend on, passed explicitly instead of the web application.

Built once in app.py (`deps_ctx`, once the pool and the S3 client exist) and read by the
handlers as `request.app[DEPS]`; a test builds one from its own parts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from services.documents.adapters.sandbox_pool import SANDBOX, SandboxPool
from services.documents.adapters.storage import STORAGE, Storage
from services.documents.commands.file_check import Checker
from shared.db import POOL
from shared.service import SETTINGS
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Deps:
    pool: asyncpg.Pool
    settings: Settings
    storage: Storage
    # One check per upload at a time in this process, and a bound on concurrent checker processes.
    checker: Checker
    # The warm workers that run the work on strangers' files; None (SANDBOX_POOL_SIZE=0, or a
    # test's own Deps): a process per job.
    sandbox: SandboxPool | None = None


DEPS: web.AppKey[Deps] = web.AppKey("documents_deps", Deps)


async def deps_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry, after the pool's, the storage's and the sandbox's: app[DEPS] for the handlers and workers."""
    app[DEPS] = Deps(
        pool=app[POOL], settings=app[SETTINGS], storage=app[STORAGE], checker=Checker(), sandbox=app.get(SANDBOX)
    )
    yield
