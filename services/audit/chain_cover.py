"""Internal endpoint for the documents service: the chain head its certificate of completion prints.

    POST /internal/documents/{id}/chain-head   {"eventIds": [...]}
        200 ChainCover (shared/contracts/audit.py)   entries 1..position hold every event named
        409 audit-not-recorded                        some of them are not in the chain yet

The audit service consumes events asynchronously, so when the documents service builds the signed
PDF its events may still be on their way here. It names the events it emitted for the document
(their ids, the envelope's dedupe key that each entry keeps as `event_id`); the answer is the
shortest prefix of the chain that holds them all, and the hash of its last entry. Entries are
appended in the order they are consumed, not the order they were emitted, so "the entry of the
last event" would not do: an earlier event may have been appended after it. A 409 means "ask
again later": the completion worker waits and retries, and never prints a head that does not
cover every event.
"""

from __future__ import annotations

from aiohttp import web

from services.audit import repository
from shared.callers import add_internal_route
from shared.context import org_id_of
from shared.contracts.audit import ChainCover, ChainCoverRequest
from shared.db import POOL
from shared.problems import Problem
from shared.web import json_response, path_id, read_model

CHAIN_HEAD_PATH = "/internal/documents/{id}/chain-head"


async def chain_head_covering(request: web.Request) -> web.Response:
    document_id = path_id(request, "id", "Document")
    body = await read_model(request, ChainCoverRequest)
    async with request.app[POOL].acquire() as conn:
        # Scoped by the caller's organisation: another organisation's entries are never counted.
        cover = await repository.chain_cover(conn, org_id_of(request), document_id, body.eventIds)
    if cover.missing or cover.entry_id is None:
        raise Problem(
            409,
            f"{cover.missing} of the {len(set(body.eventIds))} events are not in the audit trail yet",
            slug="audit-not-recorded",
        )
    return json_response(ChainCover(position=cover.position, hash=cover.hash, entryId=cover.entry_id).model_dump())


def add_chain_cover_route(app: web.Application) -> None:
    add_internal_route(app, "POST", CHAIN_HEAD_PATH, chain_head_covering, callers=("documents",))
