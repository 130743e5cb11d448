"""Schemathesis over the whole /api/v1 spec, as organisation A, aimed at organisation B.

A bounded profile runs in `make test` (fixed seed: the same cases every run, so a failure
reproduces); `make fuzz` runs a long one with a fresh seed (COUNTERSIGN_FUZZ_EXAMPLES,
COUNTERSIGN_FUZZ_SEED). tests/fuzzing.py says what must hold.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from shared.db import create_pool
from shared.settings import Settings
from tests.email_peers import own_settings
from tests.fuzzing import Seeder, run_schemathesis, snapshot
from tests.harness import System, reset_infrastructure, start_system
from tests.scratch import delete_amqp_namespace

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("COUNTERSIGN_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("COUNTERSIGN_FUZZ_SEED", "20261204")


@pytest.fixture(scope="module")
async def fuzz_system(settings: Settings) -> AsyncIterator[System]:
    # Its own database and queues: thousands of generated documents stay out of other tests' way.
    # Webhooks may name loopback (nothing listens there: deliveries just fail).
    own = own_settings(settings, "fuzz", webhook_allow_loopback=True, db_pool_max=3)
    await reset_infrastructure(own)
    system = await start_system(own)
    yield system
    await system.stop()
    await delete_amqp_namespace(own)


async def test_schemathesis_finds_nothing_and_no_answer_crosses_organisations(
    fuzz_system: System, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    db = await create_pool(fuzz_system.settings, min_size=1, max_size=3)
    try:
        seeder = Seeder(fuzz_system, http, db)
        attacker = await seeder.organisation("Fuzz Attacker", "attackerdata7f3")
        victim = await seeder.organisation("Fuzz Victim", "victimdata9q2")
        before = await snapshot(db, victim)
        run = await run_schemathesis(
            tmp_path,
            fuzz_system.gateway_url,
            attacker,
            victim,
            max_examples=MAX_EXAMPLES,
            seed=None if SEED == "random" else int(SEED),
            timeout=120 + MAX_EXAMPLES * 10,
        )
        after = await snapshot(db, victim)
    finally:
        await db.close()
    tail = run.output[-6000:]
    assert len(run.entries) > 20 * 38, tail  # it really ran
    assert run.code == 0, tail
    assert run.cross_tenant(victim) == []
    assert after == before  # nothing of B's changed
