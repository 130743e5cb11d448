"""Asks the documents service whether the caller may see a document.

The audit service keeps no copy of documents, so the owner of documents decides: a document that
is missing, soft-deleted or another organisation's is a 404 there, and therefore a 404 here,
indistinguishable from one that never existed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp

from shared.context import RequestContext
from shared.internal_client import InternalClient, Unavailable
from shared.problems import Problem, not_found

log = logging.getLogger("countersign.audit.documents")


async def ensure_document_visible(
    session: aiohttp.ClientSession,
    documents_url: str | Sequence[str],
    secret: str,
    ctx: RequestContext,
    document_id: str,
) -> None:
    """Returns if the caller's organisation can see the document; raises a Problem otherwise."""
    documents = InternalClient(session, documents_url, secret, "audit")
    try:
        answer = await documents.call("GET", f"/internal/documents/{document_id}", identity=ctx.identity_headers())
    except Unavailable as exc:
        log.warning("documents service unavailable (%s)", type(exc.__cause__).__name__)
    else:
        if answer.status == 200:
            return
        if answer.status == 404:
            raise not_found("Document")
        log.warning("documents service answered %s for a visibility check", answer.status)
    raise Problem(502, "An internal service is unavailable; try again shortly")
