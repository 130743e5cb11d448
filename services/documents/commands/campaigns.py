"""Campaign use cases (docs/templates.md#campaigns): create, read, list, edit, delete. A visitor's
submission: commands/campaign_submissions.py.

Like templates, campaigns record no events of their own: each document a visitor makes records
`document.created` (with `templateId`) and is sent as any document is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.pages import RowPage, cut_page, name_pattern
from services.documents.commands.template_documents import require_ready_file, usable_template
from services.documents.db import campaign_repository as repo
from services.documents.db import repository as documents_repo
from services.documents.db import template_repository
from services.documents.domain import campaign_rules
from services.documents.domain.errors import FieldIssue, Invalid, NotFound
from services.documents.domain.validation import changed
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.pagination import PageRequest


def campaign_not_found() -> NotFound:
    return NotFound("Campaign")


async def create_campaign(
    deps: Deps, org_id: str, ctx: RequestContext, properties: Mapping[str, Any]
) -> asyncpg.Record:
    """`properties`: CampaignCreate by API name. The template must be usable now (a verified file,
    exactly one role, a signer); it is checked again at each submission, since it may change."""
    given = dict(properties)
    given.pop("requireKyc", None)  # only false is accepted (the contract refuses true)
    template_id = given["templateId"]
    async with deps.pool.acquire() as conn:
        if await template_repository.find_template(conn, org_id, template_id) is None:
            raise Invalid(
                "The request body contains invalid fields",
                fields=[FieldIssue("templateId", "No such template in your organisation")],
            )
    await require_ready_file(deps, org_id, template_id)
    columns = documents_repo.to_columns(given, repo.CAMPAIGN_COLUMNS) | {
        "id": prefixed_id("cmp"),
        "org_id": org_id,
        "slug": campaign_rules.slug(given["name"]),
        "created_by": ctx.actor_id,
        # Named on the emails of every document a visitor makes (a visitor has no member).
        "sender_name": ctx.sender_name,
        "sender_email": ctx.sender_email,
        "sender_org_name": ctx.org_name,
    }
    async with deps.pool.acquire() as conn, conn.transaction():
        _, roles, _ = await usable_template(conn, org_id, template_id)
        if (refusal := campaign_rules.template_refusal(roles)) is not None:
            raise refusal
        return await repo.insert_campaign(conn, columns)


async def get_campaign(pool: asyncpg.Pool, org_id: str, campaign_id: str) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await repo.find_campaign(conn, org_id, campaign_id)
    if row is None:
        raise campaign_not_found()
    return row


async def list_campaigns(
    pool: asyncpg.Pool, org_id: str, *, status: str | None, search: str | None, page: PageRequest
) -> RowPage:
    async with pool.acquire() as conn:
        rows = await repo.list_campaigns(
            conn,
            org_id,
            status=status,
            name_pattern=name_pattern(search),
            after=page.cursor,
            limit=page.limit + 1,
        )
    return cut_page(rows, page)


async def update_campaign(
    pool: asyncpg.Pool, org_id: str, campaign_id: str, requested_properties: Mapping[str, Any]
) -> asyncpg.Record:
    """Under the row's lock, which submissions take too: a change applies to every later visitor."""
    requested = documents_repo.to_columns(requested_properties, repo.CAMPAIGN_COLUMNS)
    async with pool.acquire() as conn, conn.transaction():
        current = await repo.find_campaign(conn, org_id, campaign_id, lock="update")
        if current is None:
            raise campaign_not_found()
        if not (diff := changed(current, requested)):
            return current
        row = await repo.update_campaign(conn, org_id, campaign_id, diff)
    assert row is not None  # locked above
    return row


async def delete_campaign(pool: asyncpg.Pool, org_id: str, campaign_id: str) -> None:
    """Soft: the link stops at once (404); its documents keep their campaignId and go on."""
    async with pool.acquire() as conn, conn.transaction():
        if await repo.soft_delete(conn, org_id, campaign_id) is None:
            raise campaign_not_found()
