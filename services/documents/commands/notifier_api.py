"""What the notifier asks the documents service for: a signer's link and live one-time code.

Events never carry a token, a link or a code (they are stored, relayed and audited); the notifier
receives `signer.invited` / `signer.reminded` / `signer.otp_requested` and then calls
GET /internal/signers/{signerId}/signing-link or …/otp-code with the internal secret. Both answer
from the signing secret (nothing raw is stored) and only while the value can still be used:
404 for an unknown signer (or one of another organisation, when the caller names one), 409 when
the document is no longer pending or it is not the signer's turn.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.documents.db import lifecycle_repository as repo
from services.documents.domain import tokens
from services.documents.commands.otp_service import live_code
from shared.contracts.internal import OtpCode, SigningLink
from services.documents.domain.turns import PARTICIPANT_ROLES
from shared.problems import Problem, conflict, not_found
from shared.service import SETTINGS


async def _signer_and_document(conn: asyncpg.Connection, org_id: str,
                               signer_id: str) -> tuple[asyncpg.Record, asyncpg.Record]:
    signer = await repo.signer_by_id(conn, signer_id)
    document = await repo.find_document(conn, signer["document_id"]) if signer is not None else None
    if signer is None or document is None or document["org_id"] != org_id:
        raise not_found("Signer")
    if document["status"] != "pending":
        raise conflict(f"The document is {document['status']}; its signing links are dead", slug=f"document-{document['status']}")
    return signer, document


async def signing_link(app: web.Application, pool: asyncpg.Pool, org_id: str, signer_id: str) -> SigningLink:
    settings = app[SETTINGS]
    async with pool.acquire() as conn:
        signer, document = await _signer_and_document(conn, org_id, signer_id)
    if signer["role"] not in PARTICIPANT_ROLES or signer["token_hash"] is None:
        raise conflict("Viewers have no signing link", slug="no-signing-link")
    if signer["status"] != "pending":
        raise conflict(f"The signer has already {signer['status']}", slug=f"signer-{signer['status']}")
    if signer["activated_at"] is None:
        raise conflict("It is not this signer's turn yet", slug="not-your-turn")
    token = tokens.signing_token(settings.require_signing_secret(), signer["id"], signer["token_version"])
    if not tokens.same_hash(signer["token_hash"], tokens.token_hash(token)):
        # The signing secret changed since the link was issued: the stored hash matches no token.
        raise Problem(409, "The signing secret changed; issue a new link with POST …/signing-url", slug="stale-signing-link")
    return SigningLink(url=tokens.signing_url(settings.public_url, token), expiresAt=document["expires_at"])


async def otp_code(app: web.Application, pool: asyncpg.Pool, org_id: str, signer_id: str) -> OtpCode:
    settings = app[SETTINGS]
    async with pool.acquire() as conn:
        signer, _ = await _signer_and_document(conn, org_id, signer_id)
    live = live_code(settings.require_signing_secret(), signer, settings.otp_max_attempts)
    if live is None:
        raise Problem(404, "The signer has no live one-time code")
    code, expires_at = live
    return OtpCode(code=code, expiresAt=expires_at)
