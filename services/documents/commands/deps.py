"""What the use cases and workers depend on, passed explicitly instead of the web application.

Built once in app.py (`deps_ctx`, once the pool and the S3 client exist) and read by the
handlers as `request.app[DEPS]` and by the workers; a test builds one from its own parts, or
`dataclasses.replace`s the running app's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import asyncpg
from aiohttp import web

from services.documents.adapters.audit_chain import AuditChain
from services.documents.adapters.sandbox_pool import SANDBOX, SandboxPool
from services.documents.adapters.storage import STORAGE, Storage
from services.documents.commands.file_check import Checker
from services.documents.commands.sealing import Sealer
from shared.db import POOL
from shared.geo import GeoLocator
from shared.internal_client import CALL_TIMEOUT, InternalClient
from shared.service import SETTINGS
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Deps:
    pool: asyncpg.Pool
    settings: Settings
    storage: Storage
    # One check per upload at a time in this process, and a bound on concurrent checker processes.
    checker: Checker
    # The seal CA, keyring and TSA: what seals every completed document.
    sealer: Sealer
    # City and country of the addresses printed on the certificate of completion.
    geo: GeoLocator
    # The audit service's chain head, printed on the certificate of completion.
    audit: AuditChain
    # The warm workers that run the work on strangers' files; None (SANDBOX_POOL_SIZE=0, or a
    # test's own Deps): a process per job.
    sandbox: SandboxPool | None = None


DEPS: web.AppKey[Deps] = web.AppKey("documents_deps", Deps)


def deps_ctx(sealer: Sealer) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx entry, after the pool's, the storage's and the sandbox's: app[DEPS] for the handlers and
    workers. The sealer is loaded by create_app, so a broken CA stops the service before it runs."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        # The seal's processes start in the background (each imports pyHanko): the service is
        # ready before they are, and the first completions do not pay for starting them.
        starting = asyncio.create_task(sealer.start())
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=20, keepalive_timeout=30), timeout=CALL_TIMEOUT
            ) as session:
                audit = InternalClient(
                    session, settings.upstreams("audit"), settings.require_internal_secret(), "documents"
                )
                app[DEPS] = Deps(
                    pool=app[POOL],
                    settings=settings,
                    storage=app[STORAGE],
                    checker=Checker(),
                    sealer=sealer,
                    geo=GeoLocator.open(settings.geoip_db_path),
                    audit=AuditChain(audit, settings.audit_head_wait_seconds),
                    sandbox=app.get(SANDBOX),
                )
                yield
        finally:
            # After the completion worker's cleanup (it is appended later): nothing seals now.
            await asyncio.gather(starting, return_exceptions=True)
            await sealer.close()

    return ctx
