"""Crashes under load: two processes of every service (as `make run REPLICAS=2` runs them), a
lifecycle load through both gateways, and one process of each service SIGKILLed in turn in the
middle of it, then started again. Afterwards nothing is half-written, lost or repeated: every
document completed with one signed PDF, every event is in the audit trail once with its chain
whole, every signer was invited once and no email reached the SMTP sink twice.

What a killed process held comes back by the usual ways, which is what this checks: its
unacked messages are redelivered to the other replica, its open transactions (an outbox batch,
a claim) roll back, its leases (a signed-PDF build, an email) run out and are taken over — short
here (COMPLETION_LEASE_SECONDS, EMAIL_SEND_LEASE_SECONDS) so the test does not wait minutes.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from services.gateway import credentials
from shared.db import create_pool
from shared.migrate import _with_database
from shared.settings import Settings
from tests.harness import NAMESPACE, reset_infrastructure
from tests.lifecycle_load import LoadClient, check_exactly_once, run_load_until, settled, wait_until_completed
from tests.peers import Mailbox
from tests.process_stack import SERVICES, ProcessStack
from tests.scratch import delete_amqp_namespace

pytestmark = pytest.mark.e2e

CONCURRENCY = 3  # documents on their way at any moment; they follow one another until the last kill


@pytest.fixture(scope="module")
async def stack(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ProcessStack]:
    own = settings.model_copy(
        update={
            "database_url": _with_database(settings.database_url, f"{NAMESPACE}_crash"),
            "amqp_namespace": f"{NAMESPACE}_crash",
            # A build of a killed process is taken over when this runs out. (A slow live build
            # taken over is safe too — only the claim's holder completes — and the check allows
            # for the extra file it may store.)
            "completion_lease_seconds": 15,
            "email_send_lease_seconds": 10,
            "email_poll_seconds": 1,
            "sweep_interval_seconds": 2,  # how often a build whose lease ran out is looked for
            "sandbox_pool_size": 1,
            "db_pool_max": 3,
            "log_level": "WARNING",
        }
    )
    await reset_infrastructure(own)
    stack = ProcessStack.plan(own, tmp_path_factory.mktemp("crash-logs"))
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()
        await delete_amqp_namespace(own)


async def test_killing_each_service_in_turn_under_load_loses_and_repeats_nothing(
    stack: ProcessStack, http: aiohttp.ClientSession, mailbox: Mailbox
) -> None:
    db = await create_pool(stack.settings, min_size=1, max_size=3)
    load: asyncio.Task[list[str]] | None = None
    try:
        async with db.acquire() as conn:
            key = await credentials.create_insigner_key(conn, f"Crash {time.monotonic_ns()}", ["*"], "load")
        client = LoadClient(
            http, stack.urls("gateway"), stack.urls("documents"), stack.settings, key.api_key, key.org_id
        )
        kills_done = asyncio.Event()
        load = asyncio.create_task(run_load_until(client, kills_done, concurrency=CONCURRENCY))
        restarted = []
        for name in SERVICES:
            await asyncio.sleep(1.5)
            assert not load.done(), load.exception() if load.done() else None
            victim = stack.processes[name][0]
            victim.signal(signal.SIGKILL)
            assert await victim.wait(10) == -signal.SIGKILL
            await victim.start()  # back while the next one is killed: the other replica covers
            restarted.append(victim)
        for victim in restarted:
            await victim.wait_ready()
        kills_done.set()  # the load ran through every kill and every restart
        documents = await load
        assert documents
        await wait_until_completed(client, documents)
        await settled(db, documents)
        await check_exactly_once(db, stack.settings, mailbox, documents, crashes=True)
        # Every process (the restarted ones too) is still up: nothing crashed on what it found.
        for processes in stack.processes.values():
            for process in processes:
                assert process.proc is not None and process.proc.returncode is None, process.tail()
    finally:
        if load is not None and not load.done():
            load.cancel()
            await asyncio.gather(load, return_exceptions=True)
        await db.close()
