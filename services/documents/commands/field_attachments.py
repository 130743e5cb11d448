"""A signer's file for an `attachment` field: POST /api/v1/signing/{token}/fields/{fieldId}/attachment.

The file is judged exactly like the sender's attachments (commands/attachments.judge_and_store:
type by content, the limited checker, images to PDF, active content removed) and kept as an
attachment row naming its field and signer, so it is appended to the signed PDF and listed with
its hash on the certificate like the others. One file per field: uploading again replaces it
(the old object is deleted after the commit). When the signer signs, the field's value becomes
that file (signing_service.sign); a required attachment field without one is refused there.

As every signer command: the signer's own field, their turn, after the one-time code; checked
before the file is judged (a refused request costs no checker run) and again, under the
document's lock, when the row is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.commands.attachments import Received, forget_object, judge_and_store
from services.documents.commands.deps import Deps
from services.documents.commands.events import emit
from services.documents.commands.signing_session import Session, require_otp, run
from services.documents.db import attachment_repository as attachments_repo
from services.documents.db import field_repository as fields_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain import signer_states, turns
from services.documents.domain.errors import FieldIssue, Invalid, NotFound
from services.documents.domain.ownership import owns
from services.documents.domain.payloads import attachment_payload
from services.documents.domain.signer_states import AlreadyActed, NotYourTurn, SignerAction, WrongRole
from shared.context import RequestContext
from shared.ids import prefixed_id


async def own_field(conn: asyncpg.Connection, session: Session, field_id: str) -> Mapping[str, Any]:
    """The signer's own field, when they may act on it now (after the code, their turn, not done);
    also what a signature image upload checks (signature_images.py)."""
    require_otp(session)
    signer = session.signer
    if not signer_states.can(signer["status"], SignerAction.FINISH):
        raise AlreadyActed(signer["status"])
    if signer["role"] != "signer":
        raise WrongRole(signer["role"])
    people = turns.participants(await signers_repo.list_signers(conn, session.document["id"]))
    if not turns.is_turn(session.document["signing_type"], people, signer["id"]):
        raise NotYourTurn()
    field = await fields_repo.find_field(conn, session.document["id"], field_id)
    if field is None or not owns(field, signer):
        raise NotFound("Field")  # another signer's field is none of this link's business
    return field


async def _own_attachment_field(conn: asyncpg.Connection, session: Session, field_id: str) -> Mapping[str, Any]:
    field = await own_field(conn, session, field_id)
    if field["type"] != "attachment":
        raise Invalid(
            "Only attachment fields take a file",
            code="not-an-attachment-field",
            fields=[FieldIssue("fieldId", f"This is a {field['type']} field")],
        )
    return field


async def upload(deps: Deps, token: str, ctx: RequestContext, field_id: str, received: Received) -> asyncpg.Record:
    async def check(conn: asyncpg.Connection, session: Session) -> tuple[str, str]:
        await _own_attachment_field(conn, session, field_id)
        return str(session.document["org_id"]), str(session.document["id"])

    org_id, document_id = await run(deps.pool, token, ctx, check, lock="share")
    attachment_id = prefixed_id("att")
    stored = await judge_and_store(deps, org_id, document_id, attachment_id, received)

    async def record(conn: asyncpg.Connection, session: Session) -> tuple[asyncpg.Record, str | None]:
        await _own_attachment_field(conn, session, field_id)
        replaced = await attachments_repo.delete_for_field(conn, field_id)
        _, position = await attachments_repo.count_and_next_position(conn, session.document["id"])
        columns = stored.columns(received.file_name, position) | {
            "field_id": field_id,
            "signer_id": session.signer["id"],
        }
        row = await attachments_repo.insert_attachment(conn, attachment_id, session.document["id"], columns)
        data = {"attachment": attachment_payload(row)}
        await emit(conn, session.ctx, org_id, session.document["id"], "attachment.added", data)
        return row, replaced["file_key"] if replaced is not None else None

    try:
        row, old_key = await run(deps.pool, token, ctx, record)
    except BaseException:
        await forget_object(deps, stored.key)
        raise
    if old_key is not None:
        await forget_object(deps, old_key)
    return row
