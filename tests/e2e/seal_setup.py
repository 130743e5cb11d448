"""Set-up the sealing tests share (test_sealed_pdf, test_seal_tsa_down, test_seal_ltv,
test_certificate_geo_audit): a whole system of the module's own, for settings the shared `system`
cannot have (a TSA that is down, an audit service that lags, a CRL to fetch); a Flow on it for a
new organisation; and the one signature field of a document signed with a typed name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from services.gateway import credentials
from shared.db import create_pool
from shared.settings import Settings
from tests.conftest import Api
from tests.e2e.test_signing_flow import Flow
from tests.email_peers import own_settings
from tests.harness import System, reset_infrastructure, start_system
from tests.spec_check import Conformance, Driver


@asynccontextmanager
async def own_system(settings: Settings, suffix: str, **overrides: object) -> AsyncIterator[System]:
    """The whole system on a fresh database and queues of its own (`<namespace>_<suffix>`)."""
    own = own_settings(settings, suffix, **overrides)
    await reset_infrastructure(own)
    system = await start_system(own)
    try:
        yield system
    finally:
        await system.stop()


@asynccontextmanager
async def flow_on(
    system: System, org_name: str, conformance: Conformance, http: aiohttp.ClientSession
) -> AsyncIterator[Flow]:
    """A Flow on `system` for a new organisation `org_name` with an all-scopes key."""
    pool = await create_pool(system.settings, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            created = await credentials.create_insigner_key(conn, org_name, ["*"], "test key")
        api = Api(http, system.gateway_url, created.api_key, created.org_id)
        yield Flow(Driver(conformance), api, system, http, pool)
    finally:
        await pool.close()


async def sign_typed(flow: Flow, doc_id: str, token: str, name: str, headers: dict[str, str] | None = None) -> None:
    """The signer consents and signs the document's first field (its signature) with `name`."""
    field = (await flow.field_ids(doc_id))[0]["id"]
    await flow.as_signer(
        "POST",
        "/sign",
        200,
        token,
        headers=headers or {},
        json={"consent": True, "fields": [{"id": field, "value": {"type": "typed", "text": name}}]},
    )
