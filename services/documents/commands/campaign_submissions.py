"""A visitor of a campaign's public link (docs/templates.md#campaigns): their own document from
the campaign's template, sent at once, with them as its one signer; the answer is their signing
link, which the page opens.

One submission at a time per campaign: the campaign's row is locked FOR UPDATE for the whole
transaction (checks, the document, the count), so `maxSubmissions` is exact when visitors race
for the last place, and an edit (a pause, a new limit) applies to every later visitor.

A visitor who submits again with the email of a document of this campaign they have not yet
signed gets that document's link back (`existing: true`), not a second document: the same link
the invitation email carries (the token's version is unchanged). Anyone may submit any address
on a public link, so this gives a second visitor nothing they could not have had by submitting
anew, except the name typed the first time; a campaign where that matters sets requireOtp, and
the link then asks for the code sent to that address.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.documents.commands.campaigns import campaign_not_found
from services.documents.commands.deps import Deps
from services.documents.commands.template_documents import Instance, make_documents, require_ready_file
from services.documents.db import campaign_repository as repo
from services.documents.db import template_repository
from services.documents.domain import campaign_rules, tokens
from services.documents.domain.errors import FieldIssue, Invalid
from services.documents.domain.template_use import Person
from shared.context import RequestContext
from shared.timefmt import utcnow


@dataclass(frozen=True, slots=True)
class Submitted:
    signing_url: str
    existing: bool


def _phone_problem(campaign: asyncpg.Record, visitor: Person) -> FieldIssue | None:
    if campaign["collect_phone"] and not visitor.phone:
        return FieldIssue("phone", "This campaign asks for a phone number")
    if not campaign["collect_phone"] and visitor.phone:
        return FieldIssue("phone", "This campaign does not collect phone numbers")
    return None


def _visitor_context(campaign: asyncpg.Record, ctx: RequestContext) -> RequestContext:
    """The visitor acts (their address and agent go on the audit trail); the campaign's creator
    is the sender their emails name."""
    return RequestContext(
        org_id=campaign["org_id"],
        actor_type="signer",
        actor_id=None,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        sender_name=campaign["sender_name"],
        sender_email=campaign["sender_email"],
        org_name=campaign["sender_org_name"],
    )


async def _link_of(deps: Deps, conn: asyncpg.Connection, campaign_id: str, email: str) -> str | None:
    signer = await repo.waiting_signer(conn, campaign_id, email)
    if signer is None:
        return None
    token = tokens.signing_token(deps.settings.require_signing_secret(), signer["id"], signer["token_version"])
    return tokens.signing_url(deps.settings.public_url, token)


async def submit(
    deps: Deps, campaign_id: str, ctx: RequestContext, visitor: Person, *, browser_language: str | None = None
) -> Submitted:
    """`browser_language`: the visitor's Accept-Language, their document's language when the
    campaign sets none (docs/languages.md)."""
    async with deps.pool.acquire() as conn:
        campaign = await repo.find_public(conn, campaign_id)
    if campaign is None:
        raise campaign_not_found()
    await require_ready_file(deps, campaign["org_id"], campaign["template_id"])
    async with deps.pool.acquire() as conn, conn.transaction():
        campaign = await repo.find_public(conn, campaign_id, lock="update")
        if campaign is None:
            raise campaign_not_found()
        if (reason := campaign_rules.closed_reason(campaign, utcnow())) is not None:
            raise reason
        if (problem := _phone_problem(campaign, visitor)) is not None:
            raise Invalid("The request body contains invalid fields", fields=[problem])
        if (link := await _link_of(deps, conn, campaign_id, visitor.email)) is not None:
            return Submitted(link, existing=True)
        if campaign_rules.is_full(campaign):
            raise campaign_rules.full()
        org_id, template_id = campaign["org_id"], campaign["template_id"]
        roles = await template_repository.list_roles(conn, template_id)
        if (refusal := campaign_rules.template_refusal(roles)) is not None:
            raise refusal  # the template was changed since the campaign was made
        instance = Instance(
            people=[visitor],
            origin={"campaign_id": campaign_id},
            otp_method="email" if campaign["require_otp"] else None,
            language=campaign["language"] or browser_language,
        )
        await make_documents(deps, conn, org_id, _visitor_context(campaign, ctx), template_id, [instance], send=True)
        await repo.count_submission(conn, campaign_id)
        link = await _link_of(deps, conn, campaign_id, visitor.email)
    assert link is not None  # the document just made is pending, its signer invited
    return Submitted(link, existing=False)


async def public_view(pool: asyncpg.Pool, campaign_id: str) -> tuple[asyncpg.Record, str]:
    """What the public page shows: the campaign and its state ("open" or a refusal's code)."""
    async with pool.acquire() as conn:
        campaign = await repo.find_public(conn, campaign_id)
    if campaign is None:
        raise campaign_not_found()
    return campaign, campaign_rules.page_state(campaign, utcnow())
