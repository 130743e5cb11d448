"""Events of the signing lifecycle: who acted, and the payload of each type (docs/events.md).

Payloads name people by `payloads.signer_payload` ({id, name, email, role, order}) and never carry
a signing token, a link or a one-time code: the notifier asks the internal API for those.

- document.sent: {"name", "signers": [participants]}
- signer.invited / signer.reminded / signer.otp_requested: {"signer", "expiresAt"}
- signer.viewed: {"signer"}
- signer.otp_locked: {"signer", "failures"}; signer.otp_unlocked: {"signer"} (by a re-sent link)
- signer.completed: {"signer", "signedAt"}; signer.approved: {"signer", "approvedAt"}
- signer.declined: {"signer", "reason"}; document.declined: {"name", "signer", "reason"}
- document.cancelled / document.expired: {"name", "signers": [invited participants still to act]}
- document.completed: {"name", "signedFileHash", "completedAt", "signers": [everyone, viewers too]}

Events the notifier writes emails from also carry `sender` and the texts an email needs
(services/documents/commands/mail_context.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.documents.commands.events import emit, emit_all
from services.documents.commands.mail_context import mail_extras
from services.documents.domain.payloads import signer_payload
from shared.context import RequestContext
from shared.timefmt import iso

Row = Mapping[str, Any]


def as_signer(ctx: RequestContext, document: Row, signer: Row) -> RequestContext:
    """The identity of a signer acting through the signing API (the gateway sent IP and agent)."""
    return RequestContext(
        org_id=document["org_id"], actor_type="signer", actor_id=signer["id"], ip=ctx.ip, user_agent=ctx.user_agent
    )


def as_system(document: Row) -> RequestContext:
    """Sweeps, the completion worker, and invitations that follow from someone else's action."""
    return RequestContext(org_id=document["org_id"], actor_type="system", actor_id=None, ip=None, user_agent=None)


async def document_event(
    conn: asyncpg.Connection, ctx: RequestContext, document: Row, event_type: str, **data: Any
) -> None:
    payload = {"name": document["name"], **data}
    payload |= await mail_extras(conn, document, event_type, payload)  # sender etc., for the emails
    await emit(conn, ctx, document["org_id"], document["id"], event_type, payload)


async def signer_event(
    conn: asyncpg.Connection, ctx: RequestContext, document: Row, signer: Row, event_type: str, **data: Any
) -> None:
    payload = {"signer": signer_payload(signer), **data}
    payload |= await mail_extras(conn, document, event_type, payload)  # sender etc., for the emails
    await emit(conn, ctx, document["org_id"], document["id"], event_type, payload)


async def signer_events(
    conn: asyncpg.Connection, ctx: RequestContext, document: Row, signers: Sequence[Row], event_type: str, **data: Any
) -> None:
    """`signer_event` for each signer, recorded in one statement (a send's invitations)."""
    payloads = []
    for signer in signers:
        payload = {"signer": signer_payload(signer), **data}
        payloads.append((event_type, payload | await mail_extras(conn, document, event_type, payload)))
    await emit_all(conn, ctx, document["org_id"], document["id"], payloads)


def stamp(value: datetime | None) -> str | None:
    return iso(value)
