"""What a signing link leads to, answered 200 whatever it is: GET /api/v1/signing/{token}/state.

The signing API answers a dead link with 404 or 410, and a browser logs every such answer as a
console error; the signing page asks this first (and polls it after signing), so a page showing
"this document was cancelled" or waiting for the others has nothing to report. It reads only:
no event, no "viewed", and a document whose expiry passed unnoticed is called expired without
being expired here (the next command does that, signing_session.run).

`state` is `open` (the summary, GET …/signing/{token}, tells the rest), `unknown` (the summary
would be 404), `document-on-hold`, or `document-<status>` for an ended document; a completed one
also says whether its signed copy is `ready`, still `preparing`, or `expired` (past
SIGNED_COPY_RETENTION_DAYS), and until when it is kept. `language` is the one the summary
would give (the signer's, else the document's), so a dead end reads in the signer's language
(docs/languages.md); null for an unknown link.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from services.documents.commands.deps import Deps
from services.documents.commands.signed_copy import available_until, by_token, check_downloadable
from services.documents.domain.errors import Conflicting, Gone, Missing, NotFound
from services.documents.domain.statemachine import TERMINAL, Status
from shared.contracts.signing_page import DOWNLOAD_EXPIRED, DOWNLOAD_PREPARING, DOWNLOAD_READY, DownloadState
from shared.timefmt import utcnow


@dataclass(frozen=True, slots=True)
class LinkState:
    state: str
    download: DownloadState | None = None  # completed documents only
    download_until: datetime | None = None
    language: str | None = None


def _download(document: asyncpg.Record, days: int) -> LinkState:
    try:
        check_downloadable(document, utcnow(), days)
    except Gone:
        return LinkState("document-completed", DOWNLOAD_EXPIRED, available_until(document["completed_at"], days))
    except Conflicting:
        return LinkState("document-completed", DOWNLOAD_PREPARING)
    return LinkState("document-completed", DOWNLOAD_READY, available_until(document["completed_at"], days))


async def link_state(deps: Deps, token: str) -> LinkState:
    try:
        async with deps.pool.acquire() as conn:
            signer, document = await by_token(conn, token)
    except (Missing, NotFound):
        return LinkState("unknown")
    found = _state(document, deps.settings.signed_copy_retention_days)
    return replace(found, language=signer["language"] or document["language"])


def _state(document: asyncpg.Record, days: int) -> LinkState:
    status = Status(document["status"])
    if status is Status.COMPLETED:
        return _download(document, days)
    if status in TERMINAL:
        return LinkState(f"document-{status.value}")
    if status is Status.ACTION_REQUIRED:
        return LinkState("document-on-hold")
    if status is not Status.PENDING:
        return LinkState("unknown")
    expires_at = document["expires_at"]
    if expires_at is not None and expires_at <= utcnow() and document["completion_requested_at"] is None:
        return LinkState("document-expired")
    return LinkState("open")
