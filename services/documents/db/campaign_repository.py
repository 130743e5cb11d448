"""SQL of campaigns (migrations/0019_campaigns.sql). Explicit connections; the API's queries are
scoped by organisation and skip deleted campaigns, so another organisation's campaign looks
exactly like a missing one. The public link's queries (`*_public`) know only the campaign's id.

A submission locks the campaign's row FOR UPDATE (`find_public(lock="update")`): submissions to
one campaign run one at a time, so the count and `max_submissions` cannot race; an edit or a
delete takes the same lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.db.keyset import page_query
from services.documents.db.repository import Lock, find_live, insert_row, lock_suffix, soft_delete_live, update_live
from services.documents.domain.signer_states import SignerStatus
from services.documents.domain.statemachine import Status
from shared.pagination import Cursor

CAMPAIGN_COLUMNS: dict[str, str] = {
    "templateId": "template_id",
    "name": "name",
    "status": "status",
    "welcomeTitle": "welcome_title",
    "welcomeMessage": "welcome_message",
    "maxSubmissions": "max_submissions",
    "expiresAt": "expires_at",
    "collectPhone": "collect_phone",
    "requireOtp": "require_otp",
    "brandColor": "brand_color",
    "redirectUrl": "redirect_url",
    "language": "language",
}


async def insert_campaign(conn: asyncpg.Connection, columns: Mapping[str, Any]) -> asyncpg.Record:
    return await insert_row(conn, "campaigns", columns)


async def find_campaign(
    conn: asyncpg.Connection, org_id: str, campaign_id: str, lock: Lock | None = None
) -> asyncpg.Record | None:
    return await find_live(conn, "campaigns", org_id, campaign_id, lock)


async def find_public(conn: asyncpg.Connection, campaign_id: str, lock: Lock | None = None) -> asyncpg.Record | None:
    """The campaign behind a public link, whichever organisation's it is."""
    return await conn.fetchrow(
        f"SELECT * FROM documents.campaigns WHERE id = $1 AND deleted_at IS NULL{lock_suffix(lock)}", campaign_id
    )


async def list_campaigns(
    conn: asyncpg.Connection,
    org_id: str,
    *,
    status: str | None,
    name_pattern: str | None,
    after: Cursor | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page, newest first, by keyset (created_at, id), as documents and templates are listed."""
    q = page_query(org_id, equals={"status": status}, name_pattern=name_pattern, after=after, limit=limit)
    return await conn.fetch(f"SELECT * FROM documents.campaigns WHERE {q.where} {q.order_limit}", *q.args)


async def update_campaign(
    conn: asyncpg.Connection, org_id: str, campaign_id: str, columns: Mapping[str, Any]
) -> asyncpg.Record | None:
    return await update_live(conn, "campaigns", org_id, campaign_id, columns)


async def soft_delete(conn: asyncpg.Connection, org_id: str, campaign_id: str) -> asyncpg.Record | None:
    """Deleted, not erased: its documents keep their campaignId."""
    return await soft_delete_live(conn, "campaigns", org_id, campaign_id)


async def count_submission(conn: asyncpg.Connection, campaign_id: str) -> None:
    await conn.execute(
        "UPDATE documents.campaigns SET submission_count = submission_count + 1, updated_at = now() WHERE id = $1",
        campaign_id,
    )


async def waiting_signer(conn: asyncpg.Connection, campaign_id: str, email: str) -> asyncpg.Record | None:
    """The signer (id, token_version) of this campaign's document that `email` has yet to sign."""
    return await conn.fetchrow(
        """SELECT s.id, s.token_version FROM documents.signers s
             JOIN documents.documents d ON d.id = s.document_id
            WHERE d.campaign_id = $1 AND d.deleted_at IS NULL AND d.status = $2
              AND lower(s.email) = lower($3) AND s.status = $4
            ORDER BY d.created_at DESC LIMIT 1""",
        campaign_id,
        Status.PENDING,
        email,
        SignerStatus.PENDING,
    )


async def redirect_of(conn: asyncpg.Connection, campaign_id: str) -> str | None:
    """Where the campaign sends a signer after signing (a deleted campaign's documents go on)."""
    return await conn.fetchval("SELECT redirect_url FROM documents.campaigns WHERE id = $1", campaign_id)
