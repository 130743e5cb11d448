"""The signed copy for the people on a document (api/signed_copy.py serves it): who may have it,
until when, and a participant's link to it.

The link works for SIGNED_COPY_RETENTION_DAYS after completion, then `download-expired` (410);
before completion 409, after another ending 410 like the signing API. Viewers, who never had a
signing token, get one derived the same way (tokens.py) when the notifier first asks, and only
once the document is completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.file_download import DownloadTarget, download_filename
from services.documents.commands.signing_session import gone, link_not_found
from services.documents.db import lifecycle_repository as repo
from services.documents.db import repository as documents_repo
from services.documents.domain import tokens
from services.documents.domain.errors import Conflicting, Gone, NotFound
from services.documents.domain.statemachine import TERMINAL, Status
from shared.timefmt import utcnow


def available_until(completed_at: datetime, days: int) -> datetime:
    return completed_at + timedelta(days=days)


def check_downloadable(document: asyncpg.Record, now: datetime, days: int) -> None:
    """Pure: whether the signed copy of this document may be handed out now."""
    status = Status(document["status"])
    if status is Status.COMPLETED:
        if not document["signed_file_key"] or document["completed_at"] is None:
            raise Conflicting("The signed PDF of this document is not available yet", code="file-missing")
        if now >= available_until(document["completed_at"], days):
            raise Gone(
                f"Signed copies can be downloaded for {days} days after completion; ask the sender for one",
                code="download-expired",
            )
        return
    if status in TERMINAL:
        raise gone(status)
    if status is Status.ACTION_REQUIRED:
        raise Conflicting("The sender must fix a problem with this document first", code="document-on-hold")
    raise Conflicting("The signed PDF is available once everyone has signed", code="document-not-completed")


async def by_token(conn: asyncpg.Connection, token: str) -> tuple[asyncpg.Record, asyncpg.Record]:
    if not tokens.looks_like_token(token):
        raise link_not_found()
    signer = await repo.signer_by_token_hash(conn, tokens.token_hash(token))
    document = (
        await documents_repo.find_document(conn, signer["document_id"], org_id=None)  # reached by the token
        if signer is not None
        else None
    )
    if signer is None or document is None:
        raise link_not_found()
    return signer, document


async def copy_for(deps: Deps, token: str) -> tuple[asyncpg.Record, asyncpg.Record, DownloadTarget]:
    """(signer, document, the signed PDF) a participant's token may download now."""
    async with deps.pool.acquire() as conn:
        signer, document = await by_token(conn, token)
    check_downloadable(document, utcnow(), deps.settings.signed_copy_retention_days)
    name = document["name"]
    return (
        signer,
        document,
        DownloadTarget(document["signed_file_key"], None, download_filename(name, True), True, name),
    )


@dataclass(frozen=True, slots=True)
class CopyLink:
    url: str
    available_until: datetime


def download_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/signing/{token}/download"


async def copy_link(deps: Deps, org_id: str, signer_id: str) -> CopyLink:
    """A participant's link to the signed copy (the notifier's completion emails)."""
    settings = deps.settings
    # No transaction: nothing is locked, each statement reads committed rows anyway, and the one
    # write (a viewer's first hash) is a single conditional UPDATE; BEGIN and COMMIT were two of
    # this fetch's four round trips, for every completion email.
    async with deps.pool.acquire() as conn:
        found = await repo.signer_with_document(conn, signer_id)
        # Scoped here: the signer's document must be the caller's organisation's.
        if found is None or found[1]["org_id"] != org_id:
            raise NotFound("Signer")
        signer, document = found
        days = settings.signed_copy_retention_days
        check_downloadable(document, utcnow(), days)
        token = tokens.signing_token(settings.require_signing_secret(), signer_id, signer["token_version"])
        digest = tokens.token_hash(token)
        # A viewer's first link: store its hash (derived, so asking again stores the same value).
        stored = signer["token_hash"]
        if stored is None:
            stored = await repo.store_first_token_hash(conn, signer_id, digest)
    if not tokens.same_hash(stored, digest):
        raise Conflicting(
            "The signing secret changed; this participant's link cannot be recomputed", code="stale-signing-link"
        )
    return CopyLink(download_url(settings.public_url, token), available_until(document["completed_at"], days))
