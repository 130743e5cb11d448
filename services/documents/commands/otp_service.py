"""One-time codes for documents with `otpMethod: "email"`.

POST …/otp issues a code: a new nonce, `code = HMAC(secret, "otp:{signer}:{nonce}") mod 10^6`,
only a keyed hash of it stored (tokens.otp_hash), valid OTP_TTL_SECONDS, and
`signer.otp_requested` recorded (without the code). The notifier then fetches the live code from GET /internal/signers/{id}/otp-code and emails
it. POST …/otp/verify spends one attempt per guess (counted before comparing, so parallel guesses
cannot exceed OTP_MAX_ATTEMPTS); after the last one the code is dead and a new one must be asked.

Limits across codes (otp_limits): at most OTP_DAILY_LIMIT codes in any 24 hours (429
`otp-daily-limit`), and after OTP_LOCK_AFTER_FAILURES wrong codes in all the signer is locked (403
`otp-locked` on request and verify, even with the right code) until the sender re-sends the link
(lifecycle_service.remind / signing_url reset the count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.lifecycle_events import signer_event, stamp
from services.documents.commands.signing_session import Session, otp_locked, run
from services.documents.db import lifecycle_repository as repo
from services.documents.db import otp_repository
from services.documents.domain import signer_states, tokens
from services.documents.domain.errors import Conflicting, FieldIssue, Invalid, Refusal, TooSoon
from services.documents.domain.otp_limits import attempts_left, daily_wait, reaches_lock
from services.documents.domain.signer_states import AlreadyActed, SignerAction
from shared.context import RequestContext
from shared.timefmt import utcnow


def mask_email(email: str) -> str:
    """`jane.smith@acme.com` → `j********@acme.com`: enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def resend_wait(expires_at: datetime | None, ttl_seconds: int, pause_seconds: int, now: datetime) -> int:
    """Whole seconds before another code may be requested (0: now). The last code was issued
    `ttl_seconds` before it expires."""
    if expires_at is None:
        return 0
    issued = expires_at - timedelta(seconds=ttl_seconds)
    return max(0, math.ceil(pause_seconds - (now - issued).total_seconds()))


def _check_otp_applies(session: Session) -> None:
    if session.document["otp_method"] != "email":
        raise Conflicting("This document does not ask for a one-time code", code="otp-not-required")
    if not signer_states.can(session.signer["status"], SignerAction.FINISH):  # a code is for finishing
        raise AlreadyActed(session.signer["status"])


@dataclass(frozen=True, slots=True)
class CodeSent:
    sent_to: str  # the address, partly masked
    expires_at: datetime


async def request_code(deps: Deps, token: str, ctx: RequestContext) -> CodeSent:
    settings = deps.settings
    secret = settings.require_signing_secret()

    async def action(conn: asyncpg.Connection, session: Session) -> CodeSent:
        _check_otp_applies(session)
        if session.signer["otp_verified_at"] is not None:
            raise Conflicting("Your email address is already verified", code="otp-already-verified")
        if session.signer["otp_locked_at"] is not None:
            raise otp_locked()
        signer_id = session.signer["id"]
        issued = await otp_repository.issued_in_last_day(conn, signer_id)
        if wait := daily_wait(issued, settings.otp_daily_limit, utcnow()):
            raise TooSoon(
                f"You have asked for {settings.otp_daily_limit} codes today, the most allowed; "
                f"you can ask for another in {_hours(wait)}",
                code="otp-daily-limit",
                retry_after=wait,
            )
        wait = resend_wait(
            session.signer["otp_expires_at"], settings.otp_ttl_seconds, settings.otp_resend_seconds, utcnow()
        )
        if wait:
            raise TooSoon(
                f"A code was sent moments ago; you can ask for another in {wait} s",
                code="otp-too-soon",
                retry_after=wait,
            )
        nonce = await repo.start_otp(conn, signer_id)
        await otp_repository.record_issue(conn, signer_id)
        code = tokens.otp_code(secret, signer_id, nonce)
        stored = await repo.store_otp(
            conn, signer_id, tokens.otp_hash(secret, signer_id, nonce, code), settings.otp_ttl_seconds
        )
        await signer_event(
            conn,
            session.ctx,
            session.document,
            session.signer,
            "signer.otp_requested",
            expiresAt=stamp(stored["otp_expires_at"]),
        )
        return CodeSent(mask_email(session.signer["email"]), stored["otp_expires_at"])

    return await run(deps.pool, token, ctx, action)


def _hours(seconds: int) -> str:
    """A wait as a person reads it: `3 h 20 min`, `45 min`, `1 min`."""
    minutes = max(1, -(-seconds // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@dataclass(frozen=True, slots=True)
class _Outcome:
    verified_at: datetime | None = None
    refusal: Refusal | None = None


def _refusal(signer: asyncpg.Record, max_attempts: int) -> Invalid:
    """Why no live code is left to compare against."""
    if signer["otp_hash"] is None:
        return Invalid(
            "Request a code first", fields=[FieldIssue("code", "No code has been requested")], code="otp-not-requested"
        )
    if signer["otp_attempts"] >= max_attempts:
        return Invalid(
            "Too many wrong codes; request a new code",
            fields=[FieldIssue("code", "No attempts left")],
            code="otp-attempts-exceeded",
        )
    return Invalid(
        "The code has expired; request a new code", fields=[FieldIssue("code", "Expired")], code="otp-expired"
    )


async def verify_code(deps: Deps, token: str, ctx: RequestContext, code: str) -> datetime:
    """When the signer's email address was verified (now, or earlier)."""
    settings = deps.settings
    secret = settings.require_signing_secret()
    max_attempts, lock_after = settings.otp_max_attempts, settings.otp_lock_after_failures

    async def action(conn: asyncpg.Connection, session: Session) -> _Outcome:
        _check_otp_applies(session)
        signer = session.signer
        if signer["otp_verified_at"] is not None:
            return _Outcome(verified_at=signer["otp_verified_at"])
        if signer["otp_locked_at"] is not None:
            return _Outcome(refusal=otp_locked())
        live = await repo.spend_otp_attempt(conn, signer["id"], max_attempts)
        if live is None:
            return _Outcome(refusal=_refusal(signer, max_attempts))
        if not tokens.same_hash(live["otp_hash"], tokens.otp_hash(secret, signer["id"], live["otp_nonce"], code)):
            return _Outcome(refusal=await _wrong_code(conn, session, live["otp_attempts"], max_attempts, lock_after))
        done = await repo.otp_verified(conn, signer["id"])
        return _Outcome(verified_at=done["otp_verified_at"])

    # A wrong guess must still count: the outcome is raised only after the attempt commits.
    outcome = await run(deps.pool, token, ctx, action)
    if outcome.refusal is not None:
        raise outcome.refusal
    assert outcome.verified_at is not None
    return outcome.verified_at


async def _wrong_code(
    conn: asyncpg.Connection, session: Session, code_attempts: int, max_attempts: int, lock_after: int
) -> Refusal:
    """Count the failure; the one that reaches the limit locks the signer (and is recorded)."""
    counted = await otp_repository.record_failure(conn, session.signer["id"], lock_after)
    if reaches_lock(counted["otp_failures"], lock_after):
        await signer_event(
            conn, session.ctx, session.document, session.signer, "signer.otp_locked", failures=counted["otp_failures"]
        )
        return otp_locked()
    left = attempts_left(code_attempts, max_attempts, counted["otp_failures"], lock_after)
    message = f"Wrong code; {left} attempt(s) left" if left else "Wrong code; request a new code"
    return Invalid("The code is not correct", fields=[FieldIssue("code", message)], code="otp-invalid")


def live_code(secret: bytes, signer: asyncpg.Record, max_attempts: int) -> tuple[str, datetime] | None:
    """(code, expiresAt) of the signer's code while it can still be used, recomputed from the secret."""
    if (
        signer["otp_hash"] is None
        or signer["otp_expires_at"] is None
        or signer["otp_expires_at"] <= utcnow()
        or signer["otp_attempts"] >= max_attempts
        or signer["otp_verified_at"] is not None
        or signer["otp_locked_at"] is not None
    ):
        return None
    code = tokens.otp_code(secret, signer["id"], signer["otp_nonce"])
    if not tokens.same_hash(signer["otp_hash"], tokens.otp_hash(secret, signer["id"], signer["otp_nonce"], code)):
        return None  # the signing secret changed since the code was issued
    return code, signer["otp_expires_at"]
