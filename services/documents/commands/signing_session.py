"""From a signing token to the signer and document it opens, with the checks every call shares.

- unknown or replaced token → 404 (indistinguishable from a token that never existed);
- document cancelled / expired / declined / completed → 410 with slug `document-<status>`, so a
  signing page can say what happened; on hold for the sender (action_required) → 409;
- a document past `expiresAt` that the sweep has not reached yet is expired on the spot (410);
- with `otpMethod: "email"`, `require_otp` answers 403 `otp-required` until the code is verified
  (403 `otp-locked` once too many wrong codes locked the signer out).

The document row is locked for the rest of the transaction (FOR UPDATE for commands, FOR SHARE
for reads), so a sign and a decline — or a sign and a cancel — on one document never interleave.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import asyncpg

from services.documents.commands.expiry import expire_document
from services.documents.commands.lifecycle_events import as_signer
from services.documents.db import lifecycle_repository as repo
from services.documents.db import repository as documents_repo
from services.documents.domain import tokens
from services.documents.domain.errors import Blocked, Conflicting, Gone, Missing, NotFound
from services.documents.domain.statemachine import TERMINAL, Status
from shared.context import SYSTEM, RequestContext
from shared.timefmt import utcnow

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Session:
    document: asyncpg.Record
    signer: asyncpg.Record
    ctx: RequestContext  # the signer as the actor of their events


class _Lapsed(Exception):
    """The document's expiry passed and no sweep has recorded it yet."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id


def link_not_found() -> Missing:
    return Missing("This signing link is not valid; ask the sender for a new one")


def gone(status: str) -> Gone:
    return Gone(f"This document has been {status}; there is nothing left to sign", code=f"document-{status}")


def check_document(document: asyncpg.Record) -> None:
    status = Status(document["status"])
    if status in TERMINAL:
        raise gone(status)
    if status is Status.ACTION_REQUIRED:
        raise Conflicting(
            "The sender must fix a problem with this document before signing can continue", code="document-on-hold"
        )
    if status is not Status.PENDING:
        raise link_not_found()
    expires_at = document["expires_at"]
    if expires_at is not None and expires_at <= utcnow() and document["completion_requested_at"] is None:
        raise _Lapsed(document["id"])


async def open_session(
    conn: asyncpg.Connection, token: str, ctx: RequestContext, *, lock: Literal["update", "share"] = "update"
) -> Session:
    if not tokens.looks_like_token(token):
        raise link_not_found()
    digest = tokens.token_hash(token)
    found = await repo.signer_by_token_hash(conn, digest)
    if found is None:
        raise link_not_found()
    # Reached through the token: the signer's own document, whatever organisation it is in.
    document = await documents_repo.find_document(conn, found["document_id"], org_id=None, lock=lock)
    if document is None:
        raise link_not_found()
    # Read again under the document's lock: a rotation or an action that committed meanwhile counts.
    signer = await repo.signer_by_id(conn, found["id"])
    if signer is None or not tokens.same_hash(signer["token_hash"], digest):
        raise link_not_found()
    check_document(document)
    return Session(document, signer, as_signer(ctx, document, signer))


async def link_is_known(pool: asyncpg.Pool, token: str) -> bool:
    """Whether `token` opens a signing session at all: False exactly when the signing API would
    answer 404 (a document that ended or is on hold still has a page to show)."""
    try:
        async with pool.acquire() as conn, conn.transaction():
            await open_session(conn, token, SYSTEM, lock="share")
    except _Lapsed:
        return True
    except (Missing, NotFound):
        return False
    return True


def otp_pending(session: Session) -> bool:
    return session.document["otp_method"] == "email" and session.signer["otp_verified_at"] is None


def otp_locked() -> Blocked:
    return Blocked(
        "Too many incorrect codes: for your security, this link is locked. Ask the sender to send you the link again",
        code="otp-locked",
    )


def require_otp(session: Session) -> None:
    if otp_pending(session):
        if session.signer["otp_locked_at"] is not None:
            raise otp_locked()
        raise Blocked("Enter the one-time code sent to your email address first", code="otp-required")


async def run(
    pool: asyncpg.Pool,
    token: str,
    ctx: RequestContext,
    action: Callable[[asyncpg.Connection, Session], Awaitable[T]],
    *,
    lock: Literal["update", "share"] = "update",
) -> T:
    """Open the session and run `action` in one transaction; a lapsed document is expired in a
    transaction of its own (the action's is rolled back) and answered with 410."""
    try:
        async with pool.acquire() as conn, conn.transaction():
            session = await open_session(conn, token, ctx, lock=lock)
            return await action(conn, session)
    except _Lapsed as lapsed:
        await expire_document(pool, lapsed.document_id)
        raise gone(Status.EXPIRED) from None
