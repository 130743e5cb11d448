"""Moving a pending document forward after send and after each participant finishes.

Runs inside the transaction of the change that caused it (the document row already locked), so
"who is next" and "is everyone done" are decided on a stable state and their events commit with
the change: invitations for the group whose turn has come, or the request to build the signed
PDF when nobody is left (services/documents/workers/completion.py does that off the request path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.lifecycle_events import signer_events, stamp
from services.documents.db import lifecycle_repository as repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import turns
from services.documents.domain.statemachine import Action, allowed_from
from shared.context import RequestContext


async def advance(conn: asyncpg.Connection, document: Mapping[str, Any], ctx: RequestContext) -> bool:
    """Invite whoever's turn has come; returns True when everyone is done and the signed PDF
    has been requested."""
    people = turns.participants(await signers_repo.list_signers(conn, document["id"]))
    if turns.all_done(people):
        return await repo.request_completion(conn, document["id"], allowed_from(Action.COMPLETE))
    due = turns.to_activate(document["signing_type"], people)
    if due:
        invited = await repo.activate(conn, [p.id for p in due])
        await signer_events(conn, ctx, document, invited, "signer.invited", expiresAt=stamp(document["expires_at"]))
    return False
