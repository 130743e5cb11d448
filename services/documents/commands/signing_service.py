"""The signer's commands through the signing API: view, sign, approve, decline.

Every command runs in one transaction that holds the document row (signing_session), so the
checks (status, turn, already done) and the change cannot interleave with another signer's
command, a cancel or the expiry sweep. Finishing a participant then moves the document forward
(progress.advance): the next group is invited, or the signed PDF is requested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.documents.commands.lifecycle_events import as_system, document_event, signer_event, stamp
from services.documents.commands.progress import advance
from services.documents.commands.signing_session import Session, otp_pending, require_otp, run
from services.documents.db import attachment_repository as attachments_repo
from services.documents.db import campaign_repository
from services.documents.db import field_repository as fields_repo
from services.documents.db import lifecycle_repository as repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import signer_states, turns
from services.documents.domain.errors import Conflicting, Invalid, NotFound
from services.documents.domain.ownership import own_fields
from services.documents.domain.payloads import signer_payload
from services.documents.domain.signer_states import AlreadyActed, NotYourTurn, SignerAction, WrongRole
from services.documents.domain.signing_validation import (
    attachment_values,
    check_submission,
    computed_values,
    server_values,
)
from services.documents.domain.statemachine import Action, allowed_from, target
from shared.context import RequestContext
from shared.timefmt import utcnow


@dataclass(frozen=True, slots=True)
class SessionView:
    """What the signer's page shows: their document, themselves, their own fields, and whether
    they may act now (api/signing_views.py shapes it)."""

    document: asyncpg.Record
    signer: asyncpg.Record
    fields: list[asyncpg.Record]
    otp_required: bool
    otp_verified: bool
    otp_locked: bool
    is_turn: bool
    attachments: list[asyncpg.Record]
    redirect_url: str | None = None  # after signing or declining: the signer's, the document's or its campaign's


@dataclass(frozen=True, slots=True)
class Outcome:
    """The signer's part is done: completed (signed or approved) or declined."""

    signer_id: str
    status: str
    at: datetime
    document_status: str
    finalizing: bool  # everyone is done; the signed PDF is being built


def _own_fields(fields: Sequence[asyncpg.Record], signer: Mapping[str, Any]) -> list[asyncpg.Record]:
    # Send guarantees each field one owner: its signer by id, or the one participant of its order.
    return own_fields(fields, signer)


async def _check_can_act(conn: asyncpg.Connection, session: Session, role: str | None, action: SignerAction) -> None:
    """Still able to `action`, the right role (None: any), and their turn."""
    signer = session.signer
    if not signer_states.can(signer["status"], action):
        raise AlreadyActed(signer["status"])
    if role is not None and signer["role"] != role:
        raise WrongRole(signer["role"])
    people = turns.participants(await signers_repo.list_signers(conn, session.document["id"]))
    if not turns.is_turn(session.document["signing_type"], people, signer["id"]):
        raise NotYourTurn()


# --- view -------------------------------------------------------------------------------------


async def view(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> SessionView:
    async def action(conn: asyncpg.Connection, session: Session) -> SessionView:
        document, signer = session.document, session.signer
        if (first := await repo.mark_viewed(conn, signer["id"])) is not None:
            signer = first
            await signer_event(conn, session.ctx, document, signer, "signer.viewed")
        people = turns.participants(await signers_repo.list_signers(conn, document["id"]))
        fields = _own_fields(await fields_repo.list_fields(conn, document["id"]), signer)
        otp_by_email = document["otp_method"] == "email"
        return SessionView(
            document=document,
            signer=signer,
            fields=fields,
            otp_required=otp_by_email,
            otp_verified=not otp_pending(session) and otp_by_email,
            otp_locked=otp_pending(session) and signer["otp_locked_at"] is not None,
            is_turn=turns.is_turn(document["signing_type"], people, signer["id"]),
            attachments=[
                a for a in await attachments_repo.list_attachments(conn, document["id"]) if _may_read(a, signer)
            ],
            redirect_url=await _redirect_of(conn, document, signer),
        )

    # FOR SHARE: views do not queue behind each other, but do wait for a command in flight.
    return await run(pool, token, ctx, action, lock="share")


async def _redirect_of(conn: asyncpg.Connection, document: asyncpg.Record, signer: asyncpg.Record) -> str | None:
    """The most specific redirectUrl: the signer's own, else the document's, else its campaign's."""
    if own := signer["redirect_url"] or document["redirect_url"]:
        return str(own)
    campaign_id = document["campaign_id"]
    return await campaign_repository.redirect_of(conn, campaign_id) if campaign_id else None


async def file_of(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> asyncpg.Record:
    """The document row whose verified PDF the signer may download."""

    async def action(conn: asyncpg.Connection, session: Session) -> asyncpg.Record:
        require_otp(session)
        return session.document

    return await run(pool, token, ctx, action, lock="share")


def _may_read(attachment: Mapping[str, Any], signer: Mapping[str, Any]) -> bool:
    """The sender's attachments, and the files this signer uploaded into their own fields (not
    another signer's: an ID scan is for the sender and the signed PDF, not for the next signer)."""
    return attachment["field_id"] is None or attachment["signer_id"] == signer["id"]


async def attachment_of(pool: asyncpg.Pool, token: str, ctx: RequestContext, attachment_id: str) -> asyncpg.Record:
    """An attachment of the signer's own document (any other id is 404), after the one-time code."""

    async def action(conn: asyncpg.Connection, session: Session) -> asyncpg.Record:
        require_otp(session)
        row = await attachments_repo.find_attachment(conn, session.document["id"], attachment_id)
        if row is None or not _may_read(row, session.signer):
            raise NotFound("Attachment")
        return row

    return await run(pool, token, ctx, action, lock="share")


# --- sign, approve, decline -------------------------------------------------------------------


async def _finish(
    conn: asyncpg.Connection, session: Session, values: dict[str, object], event_type: str, at_key: str
) -> Outcome:
    document = session.document
    await repo.insert_values(conn, document["id"], session.signer["id"], values)
    signer = await repo.finish_signer(
        conn,
        session.signer["id"],
        signer_states.allowed_from(SignerAction.FINISH),
        signer_states.target(SignerAction.FINISH),
        session.ctx.ip,
        session.ctx.user_agent,
    )
    if signer is None:  # unreachable under the document lock; kept as the conditional's guard
        raise Conflicting("You have already finished with this document", code="signer-completed")
    await signer_event(conn, session.ctx, document, signer, event_type, **{at_key: stamp(signer["signed_at"])})
    # Invitations that follow are the system's doing, not this signer's.
    finalizing = await advance(conn, document, as_system(document))
    return Outcome(signer["id"], signer["status"], signer["signed_at"], document["status"], finalizing)


async def sign(
    pool: asyncpg.Pool, token: str, ctx: RequestContext, *, consent: bool, submitted: Sequence[Mapping[str, Any]]
) -> Outcome:
    """`submitted`: the request's fields as [{id, value}] (SignRequest)."""

    async def action(conn: asyncpg.Connection, session: Session) -> Outcome:
        require_otp(session)
        await _check_can_act(conn, session, "signer", SignerAction.FINISH)
        fields = await fields_repo.list_fields(conn, session.document["id"])
        own = _own_fields(fields, session.signer)
        own_ids = {f["id"] for f in own}
        others = {f["id"] for f in fields if f["id"] not in own_ids}
        values, errors = check_submission(consent, submitted, own, others)
        uploads = {
            f["id"]: row
            for f in own
            if f["type"] == "attachment" and (row := await attachments_repo.for_field(conn, f["id"])) is not None
        }
        uploaded, upload_errors = attachment_values(own, uploads)
        errors += upload_errors
        values |= uploaded
        computed, formula_errors = computed_values(own, values)
        if not errors:  # a formula's inputs are judged first: their errors say what to fix
            errors = formula_errors
        values |= computed
        if errors:
            raise Invalid("Some fields are missing or invalid", fields=errors)
        signer = session.signer
        values |= server_values(
            own, role="signer", name=signer["name"], email=signer["email"], signed_on=utcnow().date()
        )
        return await _finish(conn, session, values, "signer.completed", "signedAt")

    return await run(pool, token, ctx, action)


async def approve(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> Outcome:
    async def action(conn: asyncpg.Connection, session: Session) -> Outcome:
        require_otp(session)
        await _check_can_act(conn, session, "approver", SignerAction.FINISH)
        own = _own_fields(await fields_repo.list_fields(conn, session.document["id"]), session.signer)
        signer = session.signer
        values = server_values(
            own, role="approver", name=signer["name"], email=signer["email"], signed_on=utcnow().date()
        )
        return await _finish(conn, session, values, "signer.approved", "approvedAt")

    return await run(pool, token, ctx, action)


async def decline(pool: asyncpg.Pool, token: str, ctx: RequestContext, *, reason: str) -> Outcome:
    async def action(conn: asyncpg.Connection, session: Session) -> Outcome:
        require_otp(session)
        await _check_can_act(conn, session, None, SignerAction.DECLINE)
        document = session.document
        signer = await repo.decline_signer(
            conn,
            session.signer["id"],
            signer_states.allowed_from(SignerAction.DECLINE),
            signer_states.target(SignerAction.DECLINE),
            reason,
            session.ctx.ip,
            session.ctx.user_agent,
        )
        row = await repo.transition(
            conn, document["id"], allowed_from(Action.DECLINE), target(Action.DECLINE), "declined_at"
        )
        if signer is None or row is None:  # guards of the conditional updates; the lock makes them hold
            raise Conflicting("This document can no longer be declined")
        await signer_event(conn, session.ctx, document, signer, "signer.declined", reason=reason)
        await document_event(conn, session.ctx, row, "document.declined", signer=signer_payload(signer), reason=reason)
        return Outcome(signer["id"], signer["status"], signer["declined_at"], row["status"], False)

    return await run(pool, token, ctx, action)
