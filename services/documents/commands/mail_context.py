"""What lifecycle events carry so the notifier can write its emails (docs/emails.md).

The notifier never reads this service's tables, so the events it writes emails from must hold
what an email needs:

- `language`: the document's language (null when not set); signers carry their own in their
  payload, and the notifier writes each email in the recipient's, else this one (docs/languages.md);
- `sender` ({name, email, orgName[, logo]}): the API key's member, the organisation's name and logo, which
  only the gateway knows; it forwards them with each request (shared.context) and the document
  keeps them from its creation (`sender_columns`). Null when the creator was not named.
- invitations and reminders: the document's `message`, `emailSubject` and `emailMessage`
  (and, like the OTP event, its `name`);
- document.declined / document.cancelled: `invited`, every participant who had been invited
  (finished or not; the decliner left out), because they are the people to tell.

Values come from the document row inside the event's transaction, so they describe the
document as the change left it, whichever code path records the event (sweeps included). The
row the caller holds is used when it has the columns (every lifecycle path holds the whole row,
locked or just updated): a send that invites five signers no longer reads the document six more
times (issue 12: "mail_extras re-reads the document once per event"). Only a partial row is
completed by a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from services.documents.db import repository as documents_repo
from services.documents.db import signer_repository as signers_repo
from services.documents.domain.payloads import signer_payload
from services.documents.domain.turns import PARTICIPANT_ROLES
from shared.context import RequestContext

SENDER_EVENTS = frozenset(
    {
        "document.sent",
        "signer.invited",
        "signer.reminded",
        "signer.otp_requested",
        "document.completed",
        "document.declined",
        "document.cancelled",
        "document.expired",
    }
)
_NAMED_EVENTS = frozenset({"signer.invited", "signer.reminded", "signer.otp_requested"})
_INVITATION_EVENTS = frozenset({"signer.invited", "signer.reminded"})
_INVITED_LIST_EVENTS = frozenset({"document.declined", "document.cancelled"})


def sender_columns(ctx: RequestContext) -> dict[str, str]:
    """Columns of documents.documents naming the sender, for the INSERT of a new document."""
    values = {
        "sender_name": ctx.sender_name,
        "sender_email": ctx.sender_email,
        "sender_org_name": ctx.org_name,
        "sender_org_logo": ctx.org_logo,
    }
    return {column: value for column, value in values.items() if value}


def sender_payload(row: Mapping[str, Any]) -> dict[str, Any] | None:
    sender = {"name": row["sender_name"], "email": row["sender_email"], "orgName": row["sender_org_name"]}
    if not any(sender.values()):
        return None
    # The logo's content hash, when the organisation has one; the gateway serves it at
    # /brand/logos/{hash}.png (services/gateway/org_logo.py).
    logo = row.get("sender_org_logo")
    return sender | {"logo": logo} if logo else sender


# What the emails quote of a document (documents_repo.mail_texts reads exactly these).
MAIL_COLUMNS = (
    "name",
    "message",
    "email_subject",
    "email_message",
    "sender_name",
    "sender_email",
    "sender_org_name",
    "sender_org_logo",
    "language",
)


async def mail_extras(
    conn: asyncpg.Connection, document: Mapping[str, Any], event_type: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Keys to add to an event's `data` (never replacing one the caller set)."""
    if event_type not in SENDER_EVENTS:
        return {}
    document_id = document["id"]
    row: Mapping[str, Any] | None = document
    if not all(column in document for column in MAIL_COLUMNS):
        row = await documents_repo.mail_texts(conn, document_id)
    if row is None:
        return {}
    # `language`: the document's, for recipients without their own (each signer payload has theirs).
    extras: dict[str, Any] = {"sender": sender_payload(row), "language": row["language"]}
    if event_type in _NAMED_EVENTS:
        extras["name"] = row["name"]
    if event_type in _INVITATION_EVENTS:
        extras |= {
            "message": row["message"],
            "emailSubject": row["email_subject"],
            "emailMessage": row["email_message"],
        }
    if event_type in _INVITED_LIST_EVENTS:
        acted = data.get("signer")
        left_out = acted.get("id") if isinstance(acted, Mapping) else None
        rows = await signers_repo.invited(conn, document_id, PARTICIPANT_ROLES)
        extras["invited"] = [signer_payload(r) for r in rows if r["id"] != left_out]
    return {key: value for key, value in extras.items() if key not in data}
