"""Exactly one email per (event, recipient): a redelivered event and a second notifier process
(two replicas on one database and queue) never send anything twice."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import aio_pika
import orjson
import pytest

from services.notifier.app import create_app as notifier_app
from shared.broker import Broker
from tests.e2e.test_emails import SIGN_LINK, text, to
from tests.e2e.test_signing_flow import Flow, flow, signature  # noqa: F401  (flow is a fixture)
from tests.email_peers import eventually
from tests.harness import RunningService, System, _listening_socket, serve
from tests.peers import Mailbox

pytestmark = pytest.mark.e2e


@pytest.fixture
async def channel(system: System) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    broker = Broker(system.settings)
    await broker.connect()
    assert broker.connection is not None
    yield await broker.connection.channel(publisher_confirms=True)
    await broker.close()


@pytest.fixture
async def second_notifier(system: System) -> AsyncIterator[RunningService]:
    """Another notifier process on the same database and queue, as a second replica."""
    service = await serve("notifier-2", notifier_app(system.settings), _listening_socket())
    yield service
    await service.runner.cleanup()


async def redeliver(channel: aio_pika.abc.AbstractChannel, system: System, body: dict[str, Any]) -> None:
    """The event again, straight into the notifier's queue (as the broker redelivers it)."""
    message = aio_pika.Message(
        orjson.dumps(body),
        content_type="application/json",
        message_id=body["id"],
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
    await channel.default_exchange.publish(message, routing_key=system.settings.queue_name("notifier"), mandatory=True)


async def duplicates_skipped(caplog: pytest.LogCaptureFixture, event_id: str, duplicates: int) -> bool:
    """Whether the consumer has recognised `duplicates` deliveries of the event as handled."""
    return (
        sum(
            1
            for r in caplog.records
            if r.getMessage() == "duplicate event skipped" and getattr(r, "fields", {}).get("eventId") == event_id
        )
        >= duplicates
    )


async def invitations(flow: Flow, doc_id: str) -> list[dict[str, Any]]:
    return [e for e in await flow.events(doc_id) if e["type"] == "signer.invited"]


async def test_a_redelivered_event_sends_no_second_email(
    flow: Flow,
    mailbox: Mailbox,
    system: System,
    channel: aio_pika.abc.AbstractChannel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="countersign.broker")
    address = f"once.{uuid.uuid4().hex[:10]}@example.com"
    doc_id, _ = await flow.draft(signers=[{"email": address, "name": "Once"}], fields=[signature(0)])
    await flow.send(doc_id)
    await mailbox.wait_for(to(address))
    [invited] = await invitations(flow, doc_id)

    await redeliver(channel, system, invited)
    await redeliver(channel, system, invited)
    await eventually(lambda: duplicates_skipped(caplog, invited["id"], 2), "both redeliveries to be seen and skipped")
    assert len(mailbox.to(address)) == 1
    assert (
        await flow.db.fetchval("SELECT count(*) FROM notifier.emails WHERE event_id = $1", uuid.UUID(invited["id"]))
        == 1
    )


async def test_two_notifier_processes_send_each_email_exactly_once(
    flow: Flow,
    mailbox: Mailbox,
    system: System,
    second_notifier: RunningService,
    channel: aio_pika.abc.AbstractChannel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="countersign.broker")
    async with flow.http.get(second_notifier.url + "/readyz") as resp:
        assert resp.status == 200  # both replicas are up and consuming
    tag = uuid.uuid4().hex[:10]
    people = [f"r{i}.{tag}@example.com" for i in range(10)]
    doc_id, _ = await flow.draft(
        signingType="parallel",
        signers=[{"email": a, "name": f"Replica {i}", "order": i} for i, a in enumerate(people)],
        fields=[signature(i, y=60 + 60 * i) for i in range(len(people))],
    )
    await flow.send(doc_id)
    for address in people:
        await mailbox.wait_for(to(address))
    # Every invitation delivered again, for whichever replica takes it this time.
    events = await invitations(flow, doc_id)
    for event in events:
        await redeliver(channel, system, event)
    for event in events:
        # partial binds this event's id now (a lambda would see the loop variable, B023).
        await eventually(partial(duplicates_skipped, caplog, event["id"], 1), "the redelivery to be skipped")

    for address in people:
        [invitation] = mailbox.to(address)
        assert len(SIGN_LINK.findall(text(invitation))) == 1
    rows = await flow.db.fetch(
        "SELECT status, count(*) AS n FROM notifier.emails WHERE document_id = $1 GROUP BY 1", doc_id
    )
    assert {r["status"]: r["n"] for r in rows} == {"sent": len(people)}
