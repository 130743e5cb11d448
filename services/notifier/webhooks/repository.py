"""SQL for webhooks: plain queries taking an explicit connection, every one scoped by organisation
(another organisation's webhook is indistinguishable from a missing one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from shared.pagination import Cursor

# API property -> column, for what a client may change (names never come from input).
COLUMNS: dict[str, str] = {"url": "url", "events": "events", "description": "description", "status": "status"}

# Everything but the (sealed) secret, which only the delivery worker opens.
_PUBLIC = "id, org_id, url, events, description, status, failure_count, created_at, updated_at"


async def lock_org(conn: asyncpg.Connection, org_id: str) -> None:
    """Serialises creations per organisation for the rest of the transaction, so two concurrent
    requests cannot both pass the per-organisation limit."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('notifier.webhooks:' || $1, 0))", org_id)


async def count_webhooks(conn: asyncpg.Connection, org_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM notifier.webhooks WHERE org_id = $1", org_id)


async def insert_webhook(
    conn: asyncpg.Connection,
    webhook_id: str,
    org_id: str,
    url: str,
    events: list[str],
    description: str | None,
    sealed_secret: str,
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""INSERT INTO notifier.webhooks (id, org_id, url, events, description, secret)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_PUBLIC}""",
        webhook_id,
        org_id,
        url,
        events,
        description,
        sealed_secret,
    )


async def find_webhook(conn: asyncpg.Connection, org_id: str, webhook_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_PUBLIC} FROM notifier.webhooks WHERE org_id = $1 AND id = $2", org_id, webhook_id
    )


async def list_webhooks(
    conn: asyncpg.Connection, org_id: str, after: Cursor | None, limit: int
) -> list[asyncpg.Record]:
    """One page, newest first, by keyset (created_at, id); fetch limit + 1 to learn hasMore."""
    if after is None:
        return await conn.fetch(
            f"""SELECT {_PUBLIC} FROM notifier.webhooks WHERE org_id = $1
                ORDER BY created_at DESC, id DESC LIMIT $2""",
            org_id,
            limit,
        )
    return await conn.fetch(
        f"""SELECT {_PUBLIC} FROM notifier.webhooks WHERE org_id = $1 AND (created_at, id) < ($2, $3)
            ORDER BY created_at DESC, id DESC LIMIT $4""",
        org_id,
        after.created_at,
        after.id,
        limit,
    )


async def update_webhook(
    conn: asyncpg.Connection, org_id: str, webhook_id: str, changes: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Apply the given properties. Reactivating an inactive webhook starts its failure count
    afresh: otherwise the first failure after a fix would deactivate it again at once."""
    columns = {COLUMNS[key]: value for key, value in changes.items()}
    sets = [f"{column} = ${i}" for i, column in enumerate(columns, start=3)]
    reactivation = ""
    if columns.get("status") == "active":
        reactivation = ", failure_count = CASE WHEN status = 'inactive' THEN 0 ELSE failure_count END"
    # SET expressions read the row as it was, so the CASE sees the status before this update.
    return await conn.fetchrow(
        f"""UPDATE notifier.webhooks SET {", ".join(sets)}{reactivation}, updated_at = now()
            WHERE org_id = $1 AND id = $2 RETURNING {_PUBLIC}""",
        org_id,
        webhook_id,
        *columns.values(),
    )


async def delete_webhook(conn: asyncpg.Connection, org_id: str, webhook_id: str) -> bool:
    """Deletes the webhook with its deliveries (ON DELETE CASCADE): nothing more is sent to it."""
    deleted = await conn.fetchval(
        "DELETE FROM notifier.webhooks WHERE org_id = $1 AND id = $2 RETURNING id", org_id, webhook_id
    )
    return deleted is not None


async def subscribed_webhooks(conn: asyncpg.Connection, org_id: str, event_type: str) -> list[str]:
    """Ids of the organisation's active webhooks that subscribe to `event_type`."""
    rows = await conn.fetch(
        "SELECT id FROM notifier.webhooks WHERE org_id = $1 AND status = 'active' AND $2 = ANY(events)",
        org_id,
        event_type,
    )
    return [row["id"] for row in rows]


async def secrets_to_reseal(
    conn: asyncpg.Connection, current_prefix: str, after_id: str, limit: int
) -> list[asyncpg.Record]:
    """Webhooks (any organisation: an operator's task) whose secret is not sealed under the
    current key, by id after `after_id`."""
    return await conn.fetch(
        """SELECT id, secret FROM notifier.webhooks WHERE id > $1 AND NOT starts_with(secret, $2)
           ORDER BY id LIMIT $3""",
        after_id,
        current_prefix,
        limit,
    )


async def replace_secret(conn: asyncpg.Connection, webhook_id: str, expected: str, sealed: str) -> bool:
    """Compare-and-swap: False when the stored value is no longer `expected` (another rotation
    got there first, or the webhook was deleted). The secret itself is unchanged, so updated_at is too."""
    replaced = await conn.fetchval(
        "UPDATE notifier.webhooks SET secret = $3 WHERE id = $1 AND secret = $2 RETURNING true",
        webhook_id,
        expected,
        sealed,
    )
    return bool(replaced)


async def count_not_sealed_with(conn: asyncpg.Connection, current_prefix: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM notifier.webhooks WHERE NOT starts_with(secret, $1)", current_prefix
    )
