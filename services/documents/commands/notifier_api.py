"""What the notifier asks the documents service for: a signer's link and live one-time code.

Events never carry a token, a link or a code (they are stored, relayed and audited); the notifier
receives `signer.invited` / `signer.reminded` / `signer.otp_requested` and then calls
GET /internal/signers/{signerId}/signing-link or …/otp-code with the internal secret. Both answer
from the signing secret (nothing raw is stored) and only while the value can still be used:
404 for an unknown signer (or one of another organisation, when the caller names one), 409 when
the document is no longer pending or it is not the signer's turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.otp_service import live_code
from services.documents.db import lifecycle_repository as repo
from services.documents.domain import signer_states, tokens
from services.documents.domain.errors import Conflicting, Missing, NotFound
from services.documents.domain.signer_states import SignerAction
from services.documents.domain.statemachine import Status
from services.documents.domain.turns import PARTICIPANT_ROLES


@dataclass(frozen=True, slots=True)
class LiveLink:
    url: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class LiveCode:
    code: str
    expires_at: datetime


async def _signer_and_document(
    conn: asyncpg.Connection, org_id: str, signer_id: str
) -> tuple[asyncpg.Record, asyncpg.Record]:
    found = await repo.signer_with_document(conn, signer_id)
    # Scoped here: the signer's document must be the caller's organisation's.
    if found is None or found[1]["org_id"] != org_id:
        raise NotFound("Signer")
    signer, document = found
    if document["status"] != Status.PENDING:
        raise Conflicting(
            f"The document is {document['status']}; its signing links are dead", code=f"document-{document['status']}"
        )
    return signer, document


async def signing_link(deps: Deps, org_id: str, signer_id: str) -> LiveLink:
    settings = deps.settings
    async with deps.pool.acquire() as conn:
        signer, document = await _signer_and_document(conn, org_id, signer_id)
    if signer["role"] not in PARTICIPANT_ROLES or signer["token_hash"] is None:
        raise Conflicting("Viewers have no signing link", code="no-signing-link")
    if not signer_states.can(signer["status"], SignerAction.FINISH):  # a link is for finishing
        raise Conflicting(f"The signer has already {signer['status']}", code=f"signer-{signer['status']}")
    if signer["activated_at"] is None:
        raise Conflicting("It is not this signer's turn yet", code="not-your-turn")
    token = tokens.signing_token(settings.require_signing_secret(), signer["id"], signer["token_version"])
    if not tokens.same_hash(signer["token_hash"], tokens.token_hash(token)):
        # The signing secret changed since the link was issued: the stored hash matches no token.
        raise Conflicting(
            "The signing secret changed; issue a new link with POST …/signing-url", code="stale-signing-link"
        )
    return LiveLink(tokens.signing_url(settings.public_url, token), document["expires_at"])


async def otp_code(deps: Deps, org_id: str, signer_id: str) -> LiveCode:
    settings = deps.settings
    async with deps.pool.acquire() as conn:
        signer, _ = await _signer_and_document(conn, org_id, signer_id)
    live = live_code(settings.require_signing_secret(), signer, settings.otp_max_attempts)
    if live is None:
        raise Missing("The signer has no live one-time code")
    code, expires_at = live
    return LiveCode(code, expires_at)
