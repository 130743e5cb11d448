"""Delivery failures: a bounced email puts a document on hold; fixing the signer resumes it.

1. The notifier reports a permanent SMTP failure as `signer.delivery_failed` {signer, email,
   reason}. `handle_delivery_failure` (this service's consumer, in the transaction that records
   the event id) locks the document and, if that signer is still to act with that very address,
   marks them `delivery_failed` and moves a pending document to `action_required` (the state
   machine's DELIVERY_FAILED, a conditional UPDATE), recording `document.updated`
   {"name", "changes": ["status"], "status"}. A stale report — the signer finished, the address
   was changed since, the document is over — changes nothing.
2. While on hold, signing answers 409 `document-on-hold` (signing_session). The sender fixes the
   signer with PATCH …/signers/{signerId}: `fix_signer` accepts `email` (a new address, or the
   same one to try again) and `name`, rotates the signer's token (the old link went to a bad
   address), and once no signer is left with a failed delivery returns the document to pending
   (SIGNER_FIXED) and re-invites through `progress.advance` (`signer.invited`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.events import SCHEMA
from services.documents.commands.lifecycle_events import as_system, document_event, signer_event
from services.documents.commands.progress import advance
from services.documents.db import lifecycle_repository as lifecycle_repo
from services.documents.db import repository as documents_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.db.repository import to_properties
from services.documents.domain import signer_states, tokens
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.signer_states import SignerAction, SignerStatus
from services.documents.domain.statemachine import Action, Status, can, next_status
from services.documents.domain.turns import PARTICIPANT_ROLES
from services.documents.domain.validation import changed
from shared.context import RequestContext
from shared.events import Event
from shared.logging import log_fields
from shared.service import consumer_ctx
from shared.settings import Settings

log = logging.getLogger("countersign.documents.delivery")

# What may change on a document on hold: who the invitation goes to, nothing about the flow.
FIXABLE = frozenset({"email", "name"})


def _reported_signer(event: Event) -> tuple[str | None, str | None]:
    signer = event.data.get("signer")
    signer = signer if isinstance(signer, Mapping) else {}
    email = event.data.get("email") or signer.get("email")
    return signer.get("id"), email if isinstance(email, str) else None


async def _status_changed(
    conn: asyncpg.Connection, ctx: RequestContext, document: Mapping[str, Any], target: Status
) -> asyncpg.Record | None:
    row = await lifecycle_repo.transition(conn, document["id"], [document["status"]], target)
    if row is not None:
        await document_event(conn, ctx, row, "document.updated", changes=["status"], status=row["status"])
    return row


async def handle_delivery_failure(conn: asyncpg.Connection, event: Event) -> None:
    if event.type != "signer.delivery_failed" or event.documentId is None:
        return
    signer_id, email = _reported_signer(event)
    document = await documents_repo.find_document(conn, event.documentId, org_id=event.orgId, lock="update")
    fields = log_fields(eventId=str(event.id), documentId=event.documentId, signerId=signer_id)
    if document is None or signer_id is None or not can(document["status"], Action.DELIVERY_FAILED):
        log.info("delivery failure ignored: the document is not out for signature", extra=fields)
        return
    signer = await signers_repo.find_signer(conn, document["id"], signer_id)
    if (
        signer is None
        or signer["role"] not in PARTICIPANT_ROLES
        or not signer_states.can(signer["status"], SignerAction.DELIVERY_FAILED)
        or (email is not None and signer["email"].lower() != email.lower())
    ):
        # Finished meanwhile, or the address was already corrected: the report is stale.
        log.info("delivery failure ignored: the signer is not waiting at that address", extra=fields)
        return
    await lifecycle_repo.move_signer(
        conn,
        signer_id,
        signer_states.allowed_from(SignerAction.DELIVERY_FAILED),
        signer_states.target(SignerAction.DELIVERY_FAILED),
    )
    target = next_status(document["status"], Action.DELIVERY_FAILED)
    if target != document["status"]:
        await _status_changed(conn, as_system(document), document, target)
    log.info("document on hold after a delivery failure", extra=fields)


# cleanup_ctx entry: the documents service's consumer (its queue is bound to signer.delivery_failed).
delivery_failures_ctx = consumer_ctx("documents", SCHEMA, handle_delivery_failure)


# --- the sender fixes the signer -----------------------------------------------------------------


async def held_document(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record | None:
    """The document, locked, if it is on hold (action_required); None otherwise."""
    row = await documents_repo.find_document(conn, document_id, org_id=org_id, lock="update")
    return row if row is not None and row["status"] == Status.ACTION_REQUIRED else None


def _check_fix(current: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    if not signer_states.can(current["status"], SignerAction.FIXED):
        raise Conflicting(
            "While the document is on hold (action_required), only a signer whose email could not be "
            "delivered can be changed",
            code="document-on-hold",
        )
    if set(requested) - FIXABLE:
        raise Conflicting(
            "While the document is on hold (action_required), only the signer's email and name can be changed",
            code="document-on-hold",
        )
    if "email" not in requested:
        raise Invalid(
            "Give the signer's email address to invite them again",
            fields=[FieldIssue("email", "Required: a corrected address, or the same one to try again")],
        )
    return changed(current, requested)


async def fix_signer(
    settings: Settings,
    conn: asyncpg.Connection,
    document: asyncpg.Record,
    ctx: RequestContext,
    signer_id: str,
    requested: Mapping[str, Any],
) -> asyncpg.Record:
    """PATCH of a signer while the document is on hold; runs in the caller's transaction, with
    the document row locked (held_document)."""
    current = await signers_repo.find_signer(conn, document["id"], signer_id)
    if current is None:
        raise NotFound("Signer")
    diff = _check_fix(current, requested)
    if "email" in diff and await signers_repo.email_taken(conn, document["id"], diff["email"], except_id=signer_id):
        raise Conflicting("A signer with this email address is already on the document")
    # Back to waiting, not yet invited: the invitation goes out when the document resumes.
    columns = diff | {"status": signer_states.next_status(current["status"], SignerAction.FIXED), "activated_at": None}
    row = await signers_repo.update_signer(conn, document["id"], signer_id, columns)
    if row is None:  # unreachable under the document's lock
        raise NotFound("Signer")
    version = await lifecycle_repo.next_token_version(conn, signer_id)
    token = tokens.signing_token(settings.require_signing_secret(), signer_id, version)
    await lifecycle_repo.set_token(conn, signer_id, tokens.token_hash(token), version)
    if diff:
        changes = to_properties(diff, signers_repo.SIGNER_COLUMNS)
        await signer_event(conn, ctx, document, row, "signer.updated", changes=changes)
    if await signers_repo.count_with_status(conn, document["id"], SignerStatus.DELIVERY_FAILED) == 0:
        resumed = await _status_changed(conn, ctx, document, next_status(document["status"], Action.SIGNER_FIXED))
        if resumed is None:  # unreachable under the lock; the conditional update's guard
            raise Conflicting("The document changed meanwhile; try again")
        await advance(conn, resumed, ctx)
    return await signers_repo.find_signer(conn, document["id"], signer_id) or row
