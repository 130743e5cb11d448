"""The notifier consumer's handler (services/notifier/handler.py) against the real database: it
writes the event's dedupe record itself, in one statement for an event that needs nothing, and
in the transaction of the deliveries and emails otherwise. Each event handled exactly once:
the record, the deliveries and the emails are there once, whatever the path and however often
the event comes."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from services.notifier.handler import handle_once
from shared.events import Actor, Event


def _event(event_type: str, org_id: str, **data: object) -> Event:
    return Event(
        type=event_type,
        orgId=org_id,
        documentId="c" + uuid.uuid4().hex[:24],
        actor=Actor(type="api_key", id="key_handler"),
        data=data or {"name": "NDA"},
    )


async def _counts(db: asyncpg.Pool, event: Event) -> tuple[int, int, int]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM notifier.processed_events WHERE event_id = $1) AS processed,
                  (SELECT count(*) FROM notifier.webhook_deliveries WHERE event_id = $1) AS deliveries,
                  (SELECT count(*) FROM notifier.emails WHERE event_id = $1) AS emails""",
        event.id,
    )
    return row["processed"], row["deliveries"], row["emails"]


async def _webhook(db: asyncpg.Pool, org_id: str, events: list[str]) -> str:
    webhook_id = "wh_" + uuid.uuid4().hex[:16]
    await db.execute(
        "INSERT INTO notifier.webhooks (id, org_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)",
        webhook_id,
        org_id,
        "https://hooks.example.com/in",
        events,
        "v1:0123abcd:bm90LXJlYWQtaGVyZQ",  # sealed-shaped (a CHECK wants it); the handler never opens it
    )
    return webhook_id


async def test_an_event_nothing_subscribes_to_is_recorded_once(db: asyncpg.Pool) -> None:
    event = _event("document.updated", "org_" + uuid.uuid4().hex[:12], changes=["name"])
    # Two deliveries of it at the same moment (two replicas), then a late third.
    first = await asyncio.gather(handle_once(db, event), handle_once(db, event))
    assert sorted(first) == [False, True]
    assert await handle_once(db, event) is False
    assert await _counts(db, event) == (1, 0, 0)


async def test_an_event_a_webhook_subscribes_to_is_queued_for_it_once(db: asyncpg.Pool) -> None:
    org_id = "org_" + uuid.uuid4().hex[:12]
    await _webhook(db, org_id, ["document.created"])
    await _webhook(db, org_id, ["document.completed"])  # another type: not this one's
    await _webhook(db, "org_" + uuid.uuid4().hex[:12], ["document.created"])  # another organisation's
    event = _event("document.created", org_id)
    assert sorted(await asyncio.gather(handle_once(db, event), handle_once(db, event))) == [False, True]
    assert await handle_once(db, event) is False
    assert await _counts(db, event) == (1, 1, 0)


async def test_an_event_with_emails_queues_them_once(db: asyncpg.Pool) -> None:
    tag = uuid.uuid4().hex[:8]
    person = [{"id": f"sr_{tag}", "name": "Ann", "email": f"ann.{tag}@example.com", "role": "signer", "order": 1}]
    event = _event(
        "document.cancelled",
        "org_" + tag,
        name="NDA",
        signers=person,
        invited=person,
        sender={"name": "S", "email": "s@x.test"},
    )
    assert sorted(await asyncio.gather(handle_once(db, event), handle_once(db, event))) == [False, True]
    assert await handle_once(db, event) is False
    assert await _counts(db, event) == (1, 0, 1)
