"""Who gets which email for an event (pure: no I/O).

| event                  | kind            | to |
|------------------------|-----------------|----|
| signer.invited         | invitation      | the signer or approver whose turn came |
| signer.reminded        | reminder        | that signer |
| signer.otp_requested   | otp             | that signer |
| document.completed     | completed       | every participant, viewers included (a download link each), and the sender |
| document.declined      | declined        | the sender and the other invited participants, with the reason |
| document.cancelled     | cancelled       | the invited participants (`invited`; else `signers`, those still to act) |
| document.expired       | expired         | the sender |
| signer.delivery_failed | delivery_failed | the sender, who must fix the address |

One email per address and event: a person listed twice (the sender who is also a signer) gets
the first email planned for them, the participant's, which has their own link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from services.notifier.emails.model import MailContext, Party, Sender
from shared.events import Event

# Roles that act (and so get invitations, reminders and codes); viewers only get the copy.
ACTING_ROLES = frozenset({"signer", "approver"})


def _parties(value: Any) -> list[Party]:
    return [p for item in (value if isinstance(value, list) else []) if (p := Party.of(item)) is not None]


def _sender(event: Event) -> Sender | None:
    value = event.data.get("sender")
    return Sender.model_validate(value) if isinstance(value, dict) else None


def _text(event: Event, key: str) -> str | None:
    value = event.data.get(key)
    return value if isinstance(value, str) and value else None


def _base(event: Event) -> dict[str, Any]:
    return {
        "documentId": event.documentId,
        "documentName": _text(event, "name") or "a document",
        "sender": _sender(event),
        "occurredAt": event.occurredAt,
        "expiresAt": _text(event, "expiresAt"),
        "documentLanguage": _text(event, "language"),
    }


def _sender_party(event: Event) -> list[Party]:
    sender = _sender(event)
    if sender is None or not sender.email:
        return []
    return [Party(name=sender.name, email=sender.email)]


def _signer_email(event: Event, kind: str) -> list[MailContext]:
    signer = Party.of(event.data.get("signer"))
    if signer is None or signer.role not in ACTING_ROLES:
        return []
    extra: dict[str, Any] = {}
    if kind in ("invitation", "reminder"):
        extra = {
            "message": _text(event, "message"),
            "emailSubject": _text(event, "emailSubject"),
            "emailMessage": _text(event, "emailMessage"),
        }
    return [MailContext(kind=kind, recipient=signer, **_base(event), **extra)]  # type: ignore[arg-type]


def _completed(event: Event) -> list[MailContext]:
    base = _base(event)
    out = [MailContext(kind="completed", recipient=p, **base) for p in _parties(event.data.get("signers"))]
    out += [MailContext(kind="completed", audience="sender", recipient=p, **base) for p in _sender_party(event)]
    return out


def _declined(event: Event) -> list[MailContext]:
    decliner = Party.of(event.data.get("signer"))
    about = {"about": decliner, "reason": _text(event, "reason"), **_base(event)}
    planned = [MailContext(kind="declined", audience="sender", recipient=p, **about) for p in _sender_party(event)]
    planned += [MailContext(kind="declined", recipient=p, **about) for p in _parties(event.data.get("invited"))]
    # The person who declined knows; everyone else is told.
    mine = (decliner.email or "").lower() if decliner else ""
    return [m for m in planned if (m.recipient.email or "").lower() != mine]


def _cancelled(event: Event) -> list[MailContext]:
    invited = event.data.get("invited", event.data.get("signers"))
    return [MailContext(kind="cancelled", recipient=p, **_base(event)) for p in _parties(invited)]


def _expired(event: Event) -> list[MailContext]:
    people = _parties(event.data.get("signers"))
    return [
        MailContext(kind="expired", audience="sender", recipient=p, people=people, **_base(event))
        for p in _sender_party(event)
    ]


def _delivery_failed(event: Event) -> list[MailContext]:
    signer = Party.of(event.data.get("signer"))
    return [
        MailContext(
            kind="delivery_failed",
            audience="sender",
            recipient=p,
            about=signer,
            reason=_text(event, "reason"),
            bouncedEmail=_text(event, "email") or (signer.email if signer else None),
            **_base(event),
        )
        for p in _sender_party(event)
    ]


_PLANNERS: dict[str, Callable[[Event], list[MailContext]]] = {
    "signer.invited": lambda e: _signer_email(e, "invitation"),
    "signer.reminded": lambda e: _signer_email(e, "reminder"),
    "signer.otp_requested": lambda e: _signer_email(e, "otp"),
    "document.completed": _completed,
    "document.declined": _declined,
    "document.cancelled": _cancelled,
    "document.expired": _expired,
    "signer.delivery_failed": _delivery_failed,
}


def _deliverable(address: str | None) -> bool:
    # A cheap shape check; the real test is the SMTP server's answer.
    return bool(address) and "@" in address.strip("@") and not any(c.isspace() for c in address)  # type: ignore[union-attr]


def unique(emails: Iterable[MailContext]) -> list[MailContext]:
    seen: set[str] = set()
    out: list[MailContext] = []
    for email in emails:
        address = (email.recipient.email or "").strip()
        if not _deliverable(address) or address.lower() in seen:
            continue
        seen.add(address.lower())
        out.append(email)
    return out


def plan(event: Event) -> list[MailContext]:
    """The emails an event calls for, one per address (none for most event types)."""
    planner = _PLANNERS.get(event.type)
    return unique(planner(event)) if planner is not None else []
