"""The notifier's dedupe record (`notifier.processed_events`), written by the statement that
looks up the event's webhooks (shared/processed.py: `SelfRecording`).

Two shapes, both one statement:
- `claim_with_webhooks`, inside the consumer's transaction: the record and the ids of the
  organisation's webhooks subscribed to the event (None for a duplicate);
- `claim_unless_subscribed`, on its own (autocommit): for an event that calls for no email, the
  record only if no webhook subscribes to it either; that is most events (7 of a lifecycle's 9
  under the bench), which then cost one round trip instead of BEGIN, the record, the lookup and
  COMMIT. When a webhook subscribes, it records nothing and the caller takes the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from shared.events import Event
from shared.processed import processed_insert

_SUBSCRIBED = "SELECT id FROM notifier.webhooks WHERE org_id = $3 AND status = 'active' AND $2 = ANY(events)"


async def claim_with_webhooks(conn: asyncpg.Connection, event: Event) -> list[str] | None:
    """In a transaction: record the event; the ids of its subscribed webhooks, None if it was
    recorded before (nothing to do)."""
    row = await conn.fetchrow(
        f"""WITH processed AS ({processed_insert("notifier")})
            SELECT EXISTS (SELECT 1 FROM processed) AS fresh, ARRAY({_SUBSCRIBED}) AS webhook_ids""",
        event.id,
        event.type,
        event.orgId,
    )
    assert row is not None
    return list(row["webhook_ids"]) if row["fresh"] else None


@dataclass(frozen=True)
class Claim:
    subscribed: bool  # a webhook subscribes: nothing recorded, handle it in a transaction
    fresh: bool  # (when not subscribed) recorded now; False: recorded before, a duplicate


async def claim_unless_subscribed(pool: asyncpg.Pool, event: Event) -> Claim:
    row = await pool.fetchrow(
        f"""WITH subscribed AS ({_SUBSCRIBED} LIMIT 1),
                 processed AS (
                    INSERT INTO notifier.processed_events (event_id, event_type)
                    SELECT $1::uuid, $2::text WHERE NOT EXISTS (SELECT 1 FROM subscribed)
                    ON CONFLICT DO NOTHING RETURNING true)
            SELECT EXISTS (SELECT 1 FROM subscribed) AS subscribed, EXISTS (SELECT 1 FROM processed) AS fresh""",
        event.id,
        event.type,
        event.orgId,
    )
    assert row is not None
    return Claim(row["subscribed"], row["fresh"])
