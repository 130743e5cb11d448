"""The signer's commands through the signing API: view, sign, approve, decline.

Every command runs in one transaction that holds the document row (signing_session), so the
checks (status, turn, already done) and the change cannot interleave with another signer's
command, a cancel or the expiry sweep. Finishing a participant then moves the document forward
(progress.advance): the next group is invited, or the signed PDF is requested.
"""

from __future__ import annotations

import asyncpg

from services.documents.db import field_repository as fields_repo
from services.documents.db import lifecycle_repository as repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import turns
from services.documents.commands.lifecycle_events import as_system, document_event, signer_event, stamp
from services.documents.commands.progress import advance
from shared.contracts.signing import (
    DeclineRequest, PageSize, SignRequest, SigningField, SigningOutcome, SigningSession, SigningSigner,
)
from services.documents.commands.signing_session import Session, otp_pending, require_otp, run
from services.documents.domain.signing_validation import check_submission, server_filled, server_values
from services.documents.domain.statemachine import Action, Status, allowed_from
from services.documents.api.views import signer_payload
from shared.context import RequestContext
from shared.problems import Problem, conflict
from shared.timefmt import utcnow


def _number(value: float) -> int | float:
    """Integral points as integers (100, not 100.0), as the documents API writes them."""
    return int(value) if float(value).is_integer() else value


def _own_fields(fields: list[asyncpg.Record], signer: asyncpg.Record) -> list[asyncpg.Record]:
    # Send guarantees one participant per order that has fields, so order identifies the owner.
    return [f for f in fields if f["assigned_to"] == signer["signing_order"]]


async def _check_can_act(conn: asyncpg.Connection, session: Session, role: str | None) -> None:
    """Pending, the right role (None: any), and their turn; else 409 with a slug a page can use."""
    signer = session.signer
    if signer["status"] != "pending":
        raise conflict(f"You have already {signer['status']} this document", slug=f"signer-{signer['status']}")
    if role is not None and signer["role"] != role:
        verb = "approve" if signer["role"] == "approver" else "sign"
        raise conflict(f"This link is for a {signer['role']}: use /{verb}", slug="wrong-role")
    people = turns.participants(await signers_repo.list_signers(conn, session.document["id"]))
    if not turns.is_turn(session.document["signing_type"], people, signer["id"]):
        raise conflict("It is not your turn yet: earlier signers must finish first", slug="not-your-turn")


# --- view -------------------------------------------------------------------------------------

def _signing_field(field: asyncpg.Record) -> SigningField:
    return SigningField(
        id=field["id"], type=field["type"], label=field["label"], page=field["page"],
        x=_number(field["x"]), y=_number(field["y"]), width=_number(field["width"]), height=_number(field["height"]),
        required=field["required"], readOnly=field["read_only"], placeholder=field["placeholder"],
        defaultValue=field["default_value"], options=field["options"], autoFilled=server_filled(field),
    )


async def view(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> SigningSession:
    async def action(conn: asyncpg.Connection, session: Session) -> SigningSession:
        document, signer = session.document, session.signer
        if (first := await repo.mark_viewed(conn, signer["id"])) is not None:
            signer = first
            await signer_event(conn, session.ctx, document, signer, "signer.viewed")
        people = turns.participants(await signers_repo.list_signers(conn, document["id"]))
        fields = _own_fields(await fields_repo.list_fields(conn, document["id"]), signer)
        sizes = document["page_sizes"] or []
        return SigningSession(
            documentId=document["id"], name=document["name"], message=document["message"],
            signingType=document["signing_type"], expiresAt=document["expires_at"],
            pageCount=document["page_count"] or len(sizes),
            pages=[PageSize(page=i, width=_number(w), height=_number(h)) for i, (w, h) in enumerate(sizes, start=1)],
            signer=SigningSigner(id=signer["id"], name=signer["name"], email=signer["email"], role=signer["role"],
                                 status=signer["status"], viewedAt=signer["viewed_at"], signedAt=signer["signed_at"]),
            fields=[_signing_field(f) for f in fields],
            otpRequired=document["otp_method"] == "email",
            otpVerified=not otp_pending(session) and document["otp_method"] == "email",
            otpLocked=otp_pending(session) and signer["otp_locked_at"] is not None,
            isTurn=turns.is_turn(document["signing_type"], people, signer["id"]),
        )

    # FOR SHARE: views do not queue behind each other, but do wait for a command in flight.
    return await run(pool, token, ctx, action, lock="share")


async def file_of(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> asyncpg.Record:
    """The document row whose verified PDF the signer may download."""
    async def action(conn: asyncpg.Connection, session: Session) -> asyncpg.Record:
        require_otp(session)
        return session.document

    return await run(pool, token, ctx, action, lock="share")


# --- sign, approve, decline -------------------------------------------------------------------

async def _finish(conn: asyncpg.Connection, session: Session, values: dict[str, object], event_type: str,
                  at_key: str) -> SigningOutcome:
    document = session.document
    await repo.insert_values(conn, document["id"], session.signer["id"], values)
    signer = await repo.finish_signer(conn, session.signer["id"], session.ctx.ip, session.ctx.user_agent)
    if signer is None:  # unreachable under the document lock; kept as the conditional's guard
        raise conflict("You have already finished with this document", slug="signer-completed")
    await signer_event(conn, session.ctx, document, signer, event_type, **{at_key: stamp(signer["signed_at"])})
    # Invitations that follow are the system's doing, not this signer's.
    finalizing = await advance(conn, document, as_system(document))
    return SigningOutcome(signerId=signer["id"], status="completed", at=signer["signed_at"],
                          documentStatus=document["status"], finalizing=finalizing)


async def sign(pool: asyncpg.Pool, token: str, ctx: RequestContext, body: SignRequest) -> SigningOutcome:
    async def action(conn: asyncpg.Connection, session: Session) -> SigningOutcome:
        require_otp(session)
        await _check_can_act(conn, session, "signer")
        fields = await fields_repo.list_fields(conn, session.document["id"])
        own = _own_fields(fields, session.signer)
        own_ids = {f["id"] for f in own}
        others = {f["id"] for f in fields if f["id"] not in own_ids}
        submitted = [item.model_dump() for item in body.fields]
        values, errors = check_submission(body.consent, submitted, own, others)
        if errors:
            raise Problem(422, "Some fields are missing or invalid", errors=errors)
        signer = session.signer
        values |= server_values(own, role="signer", name=signer["name"], email=signer["email"], signed_on=utcnow().date())
        return await _finish(conn, session, values, "signer.completed", "signedAt")

    return await run(pool, token, ctx, action)


async def approve(pool: asyncpg.Pool, token: str, ctx: RequestContext) -> SigningOutcome:
    async def action(conn: asyncpg.Connection, session: Session) -> SigningOutcome:
        require_otp(session)
        await _check_can_act(conn, session, "approver")
        own = _own_fields(await fields_repo.list_fields(conn, session.document["id"]), session.signer)
        signer = session.signer
        values = server_values(own, role="approver", name=signer["name"], email=signer["email"], signed_on=utcnow().date())
        return await _finish(conn, session, values, "signer.approved", "approvedAt")

    return await run(pool, token, ctx, action)


async def decline(pool: asyncpg.Pool, token: str, ctx: RequestContext, body: DeclineRequest) -> SigningOutcome:
    async def action(conn: asyncpg.Connection, session: Session) -> SigningOutcome:
        require_otp(session)
        await _check_can_act(conn, session, None)
        document = session.document
        signer = await repo.decline_signer(conn, session.signer["id"], body.reason, session.ctx.ip, session.ctx.user_agent)
        row = await repo.transition(conn, document["id"], allowed_from(Action.DECLINE), Status.DECLINED, "declined_at")
        if signer is None or row is None:  # guards of the conditional updates; the lock makes them hold
            raise conflict("This document can no longer be declined")
        await signer_event(conn, session.ctx, document, signer, "signer.declined", reason=body.reason)
        await document_event(conn, session.ctx, row, "document.declined",
                             signer=signer_payload(signer), reason=body.reason)
        return SigningOutcome(signerId=signer["id"], status="declined", at=signer["declined_at"],
                              documentStatus=row["status"], finalizing=False)

    return await run(pool, token, ctx, action)
