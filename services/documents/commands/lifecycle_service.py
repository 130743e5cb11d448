"""The sender's lifecycle commands: send, cancel, remind, and a fresh signing link.

Re-sending a link — a reminder, or a fresh link — is also how the sender lets a signer locked out
by wrong one-time codes try again: both reset the signer's failure count and lift the lock
(`signer.otp_unlocked`). The reminder sweep does not: only a person may decide that.

Each is one transaction that locks the document row, checks the state machine, makes the change
with a conditional UPDATE and records its events, so concurrent commands on one document end in
one consistent state with one set of events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.files import require_verified_file
from services.documents.commands.lifecycle_events import document_event, signer_event, signer_events, stamp
from services.documents.commands.progress import advance
from services.documents.commands.service import document_not_found, refused
from services.documents.db import field_repository as fields_repo
from services.documents.db import lifecycle_repository as repo
from services.documents.db import otp_repository
from services.documents.db import repository as documents_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import signer_states, tokens, turns
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, NotFound
from services.documents.domain.payloads import people
from services.documents.domain.send_checks import send_problems
from services.documents.domain.signer_states import SignerAction, SignerStatus
from services.documents.domain.statemachine import Action, Status, allowed_from, can, target
from shared.context import RequestContext
from shared.timefmt import utcnow


@dataclass(frozen=True, slots=True)
class Sent:
    document_id: str
    status: str
    signer_count: int
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Cancelled:
    document_id: str
    status: str
    cancelled_signers: int  # participants who had not finished


@dataclass(frozen=True, slots=True)
class Reminded:
    document_id: str
    reminded_signers: int


@dataclass(frozen=True, slots=True)
class SigningLink:
    signer_id: str
    url: str
    expires_at: datetime | None


async def _lock(conn: asyncpg.Connection, org_id: str, document_id: str) -> asyncpg.Record:
    row = await documents_repo.find_document(conn, document_id, org_id=org_id, lock="update")
    if row is None:
        raise document_not_found()
    return row


async def _file_errors(
    deps: Deps, db: asyncpg.Pool | asyncpg.Connection, org_id: str, document_id: str
) -> tuple[list[FieldIssue], tuple[tuple[float, float], ...] | None]:
    """The file's problems as field errors (to report with all others), or its page sizes."""
    try:
        verified = await require_verified_file(deps, db, org_id, document_id)
    except Invalid as invalid:
        return invalid.fields, None
    return [], verified.page_sizes


async def send(deps: Deps, org_id: str, ctx: RequestContext, document_id: str) -> Sent:
    # Verifying an upload may take seconds (download + parse): do it before taking the lock; the
    # check inside the transaction is then a single read, race-free against a new upload.
    await _file_errors(deps, deps.pool, org_id, document_id)
    async with deps.pool.acquire() as conn, conn.transaction():
        return await send_in(deps, conn, org_id, ctx, document_id)


async def send_in(deps: Deps, conn: asyncpg.Connection, org_id: str, ctx: RequestContext, document_id: str) -> Sent:
    """The send, inside the caller's transaction: every check, the transition and its events.
    Documents made from a template are sent this way in the transaction that made them."""
    secret = deps.settings.require_signing_secret()
    document = await _lock(conn, org_id, document_id)
    if not can(document["status"], Action.SEND):
        raise await refused(conn, org_id, document_id, Action.SEND)
    file_errors, page_sizes = await _file_errors(deps, conn, org_id, document_id)
    signers = await signers_repo.list_signers(conn, document_id)
    fields = await fields_repo.list_fields(conn, document_id)
    problems = file_errors + send_problems(signers, fields, page_sizes, document["expires_at"], utcnow())
    if problems:
        raise Invalid("The document cannot be sent yet", fields=problems)
    row = await repo.transition(conn, document_id, allowed_from(Action.SEND), target(Action.SEND), "sent_at")
    if row is None:
        raise await refused(conn, org_id, document_id, Action.SEND)
    participants = [s for s in signers if s["role"] in turns.PARTICIPANT_ROLES]
    await repo.set_tokens(
        conn,
        [
            (s["id"], tokens.token_hash(tokens.signing_token(secret, s["id"], s["token_version"])), s["token_version"])
            for s in participants
        ],
    )
    await document_event(conn, ctx, row, "document.sent", signers=people(participants))
    await advance(conn, row, ctx)
    return Sent(row["id"], row["status"], len(signers), row["sent_at"])


async def cancel(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str) -> Cancelled:
    async with pool.acquire() as conn, conn.transaction():
        document = await _lock(conn, org_id, document_id)
        if not can(document["status"], Action.CANCEL):
            raise await refused(conn, org_id, document_id, Action.CANCEL)
        if document["completion_requested_at"] is not None:
            raise Conflicting(
                "Every signer has finished; the document is being completed and can no longer be cancelled",
                code="document-completing",
            )
        row = await repo.transition(
            conn, document_id, allowed_from(Action.CANCEL), target(Action.CANCEL), "cancelled_at"
        )
        if row is None:
            raise await refused(conn, org_id, document_id, Action.CANCEL)
        signers = await signers_repo.list_signers(conn, document_id)
        waiting = turns.outstanding(signers)
        invited = turns.outstanding(signers, invited_only=True)
        await document_event(conn, ctx, row, "document.cancelled", signers=people(invited))
    return Cancelled(row["id"], row["status"], len(waiting))


def _require_pending(document: asyncpg.Record, what: str) -> None:
    if document["status"] != Status.PENDING:
        raise Conflicting(f"{what} only while the document is pending (the document is {document['status']})")


async def remind(pool: asyncpg.Pool, org_id: str, ctx: RequestContext, document_id: str) -> Reminded:
    async with pool.acquire() as conn, conn.transaction():
        document = await _lock(conn, org_id, document_id)
        _require_pending(document, "Reminders can be sent")
        signers = await signers_repo.list_signers(conn, document_id)
        due = awaiting(signers)
        if due:
            await repo.mark_reminded(conn, [s["id"] for s in due])
            await repo.mark_document_reminded(conn, document_id)
        await signer_events(conn, ctx, document, due, "signer.reminded", expiresAt=stamp(document["expires_at"]))
        await _unlock_otp(conn, ctx, document, due)
    return Reminded(document_id, len(due))


async def _unlock_otp(
    conn: asyncpg.Connection, ctx: RequestContext, document: asyncpg.Record, signers: list[asyncpg.Record]
) -> None:
    """The link was re-sent to these signers: their wrong one-time codes no longer count."""
    unlocked = set(await otp_repository.reset_failures(conn, [s["id"] for s in signers]))
    for signer in signers:
        if signer["id"] in unlocked:
            await signer_event(conn, ctx, document, signer, "signer.otp_unlocked")


def awaiting(signers: list[asyncpg.Record]) -> list[asyncpg.Record]:
    """Participants who were invited and have not finished: whose turn it is."""
    return [
        s
        for s in signers
        if s["role"] in turns.PARTICIPANT_ROLES
        and s["status"] == SignerStatus.PENDING
        and s["activated_at"] is not None
    ]


async def signing_url(deps: Deps, org_id: str, ctx: RequestContext, document_id: str, signer_id: str) -> SigningLink:
    settings, pool = deps.settings, deps.pool
    secret = settings.require_signing_secret()
    async with pool.acquire() as conn, conn.transaction():
        document = await _lock(conn, org_id, document_id)
        signer = await signers_repo.find_signer(conn, document_id, signer_id)
        if signer is None:
            raise NotFound("Signer")
        _require_pending(document, "Signing links are issued")
        if signer["role"] not in turns.PARTICIPANT_ROLES:
            raise Conflicting("Viewers receive a copy of the signed document; they have no signing link")
        if not signer_states.can(signer["status"], SignerAction.FINISH):  # a link is for finishing
            raise Conflicting(f"This signer has already {signer['status']}", code=f"signer-{signer['status']}")
        # A new version gives a new token; the old token's hash no longer matches anything.
        version = await repo.next_token_version(conn, signer_id)
        token = tokens.signing_token(secret, signer_id, version)
        await repo.set_token(conn, signer_id, tokens.token_hash(token), version)
        await _unlock_otp(conn, ctx, document, [signer])
    return SigningLink(signer_id, tokens.signing_url(settings.public_url, token), document["expires_at"])
