"""Asks the documents service whether the caller may see a document.

The audit service keeps no copy of documents, so the owner of documents decides: a document that
is missing, soft-deleted or another organisation's is a 404 there, and therefore a 404 here,
indistinguishable from one that never existed.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from shared.callers import caller_headers
from shared.context import RequestContext
from shared.logging import request_id_var
from shared.problems import Problem, not_found
from shared.web import REQUEST_ID_HEADER

log = logging.getLogger("countersign.audit.documents")


async def ensure_document_visible(session: aiohttp.ClientSession, documents_url: str, secret: str,
                                  ctx: RequestContext, document_id: str) -> None:
    """Returns if the caller's organisation can see the document; raises a Problem otherwise."""
    headers = ctx.identity_headers() | caller_headers(secret, "audit") | {REQUEST_ID_HEADER: request_id_var.get() or ""}
    try:
        async with session.get(f"{documents_url}/internal/documents/{document_id}", headers=headers) as resp:
            if resp.status == 200:
                return
            if resp.status == 404:
                raise not_found("Document")
            log.warning("documents service answered %s for a visibility check", resp.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("documents service unavailable (%s)", type(exc).__name__)
    raise Problem(502, "An internal service is unavailable; try again shortly")
