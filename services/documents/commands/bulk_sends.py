"""Bulk sends (docs/templates.md, "Bulk sends"): one template, up to 500 recipients, one document
each, all sent — answered once every document is made, as the reference says.

A bulk send is one transaction: its row, then `make_documents` (the one maker of documents from
a template) with `send=True` and the bulk send's id as each document's origin. Either every
document is made and sent — each with its own `document.created`, `document.sent` and
`signer.invited` events in the outbox, so the notifier invites each recipient exactly as for a
single send — or nothing is: a bad signer anywhere refuses the whole bulk send, every problem
named (`signers.12.email`, or `rows.14.email` for a CSV file).

The template must have exactly one signer slot: each recipient fills it in a document of their
own, and a slot nobody fills could never be sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.pages import cut_page
from services.documents.commands.template_documents import (
    Instance,
    make_documents,
    require_ready_file,
    template_not_found,
)
from services.documents.db import bulk_send_repository as repo
from services.documents.db import template_repository as templates_repo
from services.documents.domain.errors import Conflicting, FieldIssue, NotFound
from services.documents.domain.template_use import Person
from shared.context import RequestContext
from shared.ids import prefixed_id
from shared.pagination import PageRequest


@dataclass(frozen=True, slots=True)
class Recipient:
    """One signer of a bulk send and how its problems are named (`signers.3.`, `rows.5.`)."""

    person: Person
    prefill: Mapping[str, Any] | None
    prefix: str


@dataclass(frozen=True, slots=True)
class BulkSendView:
    row: asyncpg.Record
    counts: dict[str, int]  # its live documents by status


@dataclass(frozen=True, slots=True)
class BulkSendPage:
    items: list[BulkSendView]
    meta: dict[str, Any]


def bulk_send_not_found() -> NotFound:
    return NotFound("Bulk send")


async def _require_one_slot(conn: asyncpg.Connection, org_id: str, template_id: str) -> None:
    if await templates_repo.find_template(conn, org_id, template_id) is None:
        raise template_not_found()
    roles = await templates_repo.list_roles(conn, template_id)
    if len(roles) > 1:
        slots = ", ".join(f"{r['label']} ({r['role']})" for r in roles)
        raise Conflicting(
            f"A bulk send fills one signer slot per document; this template has {len(roles)}: {slots}",
            code="template-not-single-signer",
            fields=[FieldIssue("templateId", "The template must have exactly one role")],
        )


async def create_bulk_send(
    deps: Deps,
    org_id: str,
    ctx: RequestContext,
    *,
    template_id: str,
    name: str,
    email_message: str | None,
    recipients: Sequence[Recipient],
    from_text: bool = False,
) -> BulkSendView:
    """Every document made and sent, or none. `from_text`: prefill values came from a CSV file."""
    await require_ready_file(deps, org_id, template_id)
    bulk_send_id = prefixed_id("bs")
    instances = [
        Instance(
            people=[r.person],
            prefill=r.prefill,
            email_message=email_message,
            origin={"bulk_send_id": bulk_send_id},
            prefix=r.prefix,
            prefill_as_text=from_text,
        )
        for r in recipients
    ]
    async with deps.pool.acquire() as conn, conn.transaction():
        await _require_one_slot(conn, org_id, template_id)
        row = await repo.insert_bulk_send(
            conn,
            {
                "id": bulk_send_id,
                "org_id": org_id,
                "template_id": template_id,
                "name": name,
                "email_message": email_message,
                "total_count": len(instances),
                "created_by": ctx.actor_id,
            },
        )
        await make_documents(deps, conn, org_id, ctx, template_id, instances, send=True)
        counts = await repo.status_counts(conn, org_id, [bulk_send_id])
    return BulkSendView(row, counts[bulk_send_id])


async def get_bulk_send(pool: asyncpg.Pool, org_id: str, bulk_send_id: str) -> BulkSendView:
    async with pool.acquire() as conn:
        row = await repo.find_bulk_send(conn, org_id, bulk_send_id)
        if row is None:
            raise bulk_send_not_found()
        counts = await repo.status_counts(conn, org_id, [bulk_send_id])
    return BulkSendView(row, counts[bulk_send_id])


async def list_bulk_sends(pool: asyncpg.Pool, org_id: str, *, status: str | None, page: PageRequest) -> BulkSendPage:
    async with pool.acquire() as conn:
        rows = await repo.list_bulk_sends(conn, org_id, status=status, after=page.cursor, limit=page.limit + 1)
        cut = cut_page(rows, page)
        counts = await repo.status_counts(conn, org_id, [r["id"] for r in cut.rows])
    return BulkSendPage([BulkSendView(r, counts[r["id"]]) for r in cut.rows], cut.meta)
