"""SIGTERM is a graceful stop: a service stops accepting connections, finishes the request or
the message it is handling, and exits 0 (shared/http_server.py, shared/shutdown.py).

Both services run as real processes (`python -m services.<name>`); what they are in the middle
of is held on purpose by the test — a slow upstream behind the gateway, a row lock the audit
consumer waits for — so the signal certainly arrives mid-work.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import aiohttp
import asyncpg
import pytest
from aiohttp import web

from services.audit.chain import GENESIS_HASH
from services.gateway import credentials
from shared.broker import Broker
from shared.events import Actor, Event
from shared.settings import Settings
from tests.peers import free_port
from tests.process_stack import ServiceProcess, settings_env
from tests.scratch import delete_amqp_namespace, scratch_settings

GRACE_SECONDS = 30


async def refuses_connections(port: int, timeout: float = 15) -> None:
    """Wait until nothing accepts connections on the port any more."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            return
        writer.close()
        assert asyncio.get_running_loop().time() < deadline, f"port {port} still accepts connections"
        await asyncio.sleep(0.1)


class SlowUpstream:
    """Stands in for the documents service: answers readiness at once, holds everything else
    until released."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if request.path == "/readyz":
            return web.json_response({"status": "ready"})
        self.arrived.set()
        await self.release.wait()
        return web.json_response({"data": [], "held": True})


@pytest.fixture
async def slow_upstream() -> AsyncIterator[tuple[SlowUpstream, str]]:
    upstream = SlowUpstream()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", upstream.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield upstream, f"http://127.0.0.1:{port}"
    upstream.release.set()
    await runner.cleanup()


async def test_sigterm_lets_the_gateway_finish_an_in_flight_request_then_exit_0(
    prepared: Settings, db: asyncpg.Pool, slow_upstream: tuple[SlowUpstream, str], tmp_path: Path
) -> None:
    upstream, upstream_url = slow_upstream
    async with db.acquire() as conn:
        key = await credentials.create_insigner_key(conn, f"Graceful {uuid.uuid4().hex[:8]}", ["*"], "k")
    env = settings_env(
        prepared,
        documents_url=upstream_url,
        audit_url=upstream_url,
        notifier_url=upstream_url,
        shutdown_grace_seconds=GRACE_SECONDS,
    )
    gateway = ServiceProcess("gateway", free_port(), env, tmp_path / "gateway.log")
    await gateway.start()
    try:
        await gateway.wait_ready()
        async with aiohttp.ClientSession() as http:

            async def list_documents() -> tuple[int, dict[str, object]]:
                async with http.get(
                    gateway.url + "/api/v1/documents", headers={"Authorization": f"Bearer {key.api_key}"}
                ) as resp:
                    return resp.status, await resp.json()

            in_flight = asyncio.create_task(list_documents())
            async with asyncio.timeout(30):
                await upstream.arrived.wait()  # the gateway is now waiting on the upstream's answer
            gateway.signal(signal.SIGTERM)
            await refuses_connections(gateway.port)  # it stopped accepting...
            assert not in_flight.done() and gateway.proc is not None and gateway.proc.returncode is None
            upstream.release.set()  # ...and still delivers the answer it was waiting for
            status, body = await in_flight
        assert status == 200 and body == {"data": [], "held": True}
        assert await gateway.wait(GRACE_SECONDS + 10) == 0, gateway.tail()
    finally:
        await gateway.stop()


@pytest.fixture
async def scratch(prepared: Settings) -> AsyncIterator[Settings]:
    settings = scratch_settings(prepared, "graceful", shutdown_grace_seconds=GRACE_SECONDS)
    await delete_amqp_namespace(settings)
    yield settings
    await delete_amqp_namespace(settings)


async def waiting_for_lock(db: asyncpg.Pool, table: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await db.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", f"%{table}%"
    ):
        assert asyncio.get_running_loop().time() < deadline, f"nobody waits for a lock on {table}"
        await asyncio.sleep(0.1)


async def test_sigterm_lets_the_audit_consumer_finish_the_message_it_holds_then_exit_0(
    scratch: Settings, db: asyncpg.Pool, tmp_path: Path
) -> None:
    org, document = f"org_{uuid.uuid4().hex[:10]}", f"doc_{uuid.uuid4().hex[:10]}"
    audit = ServiceProcess("audit", free_port(), settings_env(scratch), tmp_path / "audit.log")
    await audit.start()
    broker = Broker(scratch)
    try:
        await audit.wait_ready()
        await broker.connect()
        event = Event(type="document.created", orgId=org, documentId=document, actor=Actor(type="system"), data={})
        async with db.acquire() as holder:
            # The document's chain head, created and not committed: the consumer's append waits on it.
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute(
                "INSERT INTO audit.chain_heads (document_id, org_id, position, hash) VALUES ($1, $2, 0, $3)",
                document,
                org,
                GENESIS_HASH,
            )
            await broker.publish(event.type, event.model_dump(mode="json"))
            await waiting_for_lock(db, "audit.chain_heads")
            audit.signal(signal.SIGTERM)
            await refuses_connections(audit.port)
            assert audit.proc is not None and audit.proc.returncode is None  # still holding the message
            await transaction.commit()
        assert await audit.wait(GRACE_SECONDS + 10) == 0, audit.tail()
    finally:
        await broker.close()
        await audit.stop()
    # The message was handled to the end and acked: its entry is there once, and the queue did
    # not get it back (a message cut short would be ready again for the next consumer). The
    # entry stays (the trail is append-only); its document id is this test's own.
    entries = await db.fetch("SELECT event_id, position FROM audit.entries WHERE document_id = $1", document)
    assert [(str(e["event_id"]), e["position"]) for e in entries] == [(str(event.id), 1)]
    connection = await aio_pika.connect(scratch.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(scratch.queue_name("audit"), passive=True)
        assert queue.declaration_result.message_count == 0
