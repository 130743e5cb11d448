"""Session-wide fixtures: real PostgreSQL and RabbitMQ, the whole system in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.devstack.infra import ensure_infrastructure
from services.devstack.namespace_locks import hold_namespace
from services.gateway import credentials
from shared.db import create_pool
from shared.settings import Settings
from tests.harness import NAMESPACE, System, reset_infrastructure, start_system, test_settings
from tests.peers import Mailbox, Peers

pytest_plugins = ["tests.spec_coverage_plugin", "tests.wpsigner_gateway"]

_NAMESPACE_LOCK = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    # This process's namespace (and the `<namespace>_*` ones derived from it) is in use until it
    # ends, however it ends: `countersign infra --clean-test-namespaces` leaves it alone meanwhile.
    config.stash[_NAMESPACE_LOCK] = hold_namespace(NAMESPACE)


@pytest.fixture(scope="session")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    peers = Peers.start(tmp_path_factory.mktemp("mail"))
    yield peers
    peers.stop()


@pytest.fixture(scope="session")
def mailbox(peers: Peers) -> Mailbox:
    return Mailbox(peers.mail_dir)


@pytest.fixture(scope="session")
def settings(peers: Peers) -> Settings:
    settings = test_settings(
        s3_endpoint_url=peers.s3_endpoint_url,
        smtp_port=peers.smtp_port,
        mail_sink_dir=peers.mail_dir,
        **peers.seal_settings(),
    )
    # Never skip silently: if PostgreSQL or RabbitMQ is missing, start it or stop with a reason.
    try:
        ensure_infrastructure(settings, start=True)
    except SystemExit as exc:
        pytest.exit(str(exc), returncode=3)
    return settings


@pytest.fixture(scope="session")
async def prepared(settings: Settings) -> Settings:
    await reset_infrastructure(settings)
    return settings


@pytest.fixture(scope="session")
async def db(prepared: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(prepared, min_size=1, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def system(prepared: Settings) -> AsyncIterator[System]:
    system = await start_system(prepared)
    yield system
    await system.stop()


class Api:
    """An HTTP client bound to the gateway with one API key."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, key: str | None, org_id: str | None = None
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.key = key
        self.org_id = org_id

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return headers | (extra or {})

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.session.request(
            method, self.base_url + path, json=json, data=data, headers=self.headers(headers), params=params
        ) as resp:
            raw = await resp.read()
            body: Any = raw
            if "json" in resp.headers.get("Content-Type", ""):
                import orjson

                body = orjson.loads(raw) if raw else None
            return resp.status, body, resp


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


_org_counter = 0


@pytest.fixture
async def make_api(system: System, db: asyncpg.Pool, http: aiohttp.ClientSession):  # type: ignore[no-untyped-def]
    """`await make_api(scopes=["*"], org=None)` -> an Api for a (new by default) organisation."""

    async def factory(scopes: list[str] | None = None, org: str | None = None) -> Api:
        global _org_counter
        _org_counter += 1
        org_name = org or f"Test Org {_org_counter} {id(factory)}"
        async with db.acquire() as conn:
            created = await credentials.create_insigner_key(conn, org_name, scopes or ["*"], "test key")
        return Api(http, system.gateway_url, created.api_key, created.org_id)

    return factory


@pytest.fixture
async def api(make_api) -> Api:  # type: ignore[no-untyped-def]
    return await make_api()


@pytest.fixture(scope="session")
async def spec(system: System, http: aiohttp.ClientSession) -> dict[str, Any]:
    from tests.spec_check import fetch_spec

    return await fetch_spec(http, system.gateway_url)


@pytest.fixture(scope="session")
def conformance(spec: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    """Shared by every test that drives the API: see tests/spec_check.py."""
    from tests.spec_check import Conformance
    from tests.spec_coverage_plugin import CONFORMANCE

    checked = Conformance(spec)
    request.config.stash[CONFORMANCE] = checked  # what an xdist worker reports at its end
    return checked


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The spec-coverage check reads what every other test exercised, so it runs last.
    items.sort(key=lambda item: item.get_closest_marker("spec_coverage") is not None)
