"""Human-readable `details` of an audit entry (pure: no I/O).

The text starts with who acted — `API: ` (an API key), `Signer: ` (a signer on the signing
page) or `System: ` (sweeps, delivery reports) — then says what happened, e.g.
`API: Created document "NDA - Acme Corp"` or `API: Sent to Jane Smith, John Doe`.

Payload keys read (all optional; a missing key gives a shorter sentence, never an error, so a
newer producer never breaks the audit trail):
- document name: `data.name`, or `data.document.name`
- signer: `data.signer.{name, email, role}`, or `data.{name, email, role}` on signer events
- recipients of `document.sent`: `data.signers` (objects with name/email, or strings)
- changed properties of `*.updated`: `data.changes` (list of names or an object keyed by them),
  else `data.changedFields` / `data.fields`
- field: `data.field.{type, page}`, or `data.{type, page}` on field events
- reason: `data.reason` (declines, cancellations, delivery failures)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.events import Event

ACTOR_PREFIX: dict[str, str] = {"api_key": "API", "signer": "Signer", "system": "System"}

Describer = Callable[[Mapping[str, Any]], str]


def describe(event: Event) -> str:
    prefix = ACTOR_PREFIX.get(event.actor.type, "System")
    describer = _DESCRIBERS.get(event.type)
    text = describer(event.data) if describer else _generic(event.type)
    return f"{prefix}: {text}"


# --- reading the payload ----------------------------------------------------------------------


def _text(value: Any) -> str | None:
    # Whitespace runs (newlines included) collapse: one entry is one line of text.
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _nested(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else data


def _document_name(data: Mapping[str, Any]) -> str | None:
    return _text(data.get("name")) or _text(_nested(data, "document").get("name"))


def _person(person: Any) -> str | None:
    """`Jane Smith (jane@acme.com)`, or whichever half is known."""
    if isinstance(person, str):
        return _text(person)
    if not isinstance(person, Mapping):
        return None
    name, email = _text(person.get("name")), _text(person.get("email"))
    if name and email:
        return f"{name} ({email})"
    return name or email


def _signer(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return _nested(data, "signer")


def _role(data: Mapping[str, Any]) -> str:
    role = _text(_signer(data).get("role"))
    return role if role in ("signer", "approver", "viewer") else "signer"


def _changes(data: Mapping[str, Any], keys: tuple[str, ...] = ("changes", "changedFields", "fields")) -> list[str]:
    for key in keys:
        value = data.get(key)
        if isinstance(value, Mapping):
            return [str(k) for k in value]
        if isinstance(value, list):
            return [item for item in value if isinstance(item, str)]
    return []


def _field(data: Mapping[str, Any]) -> str:
    """`signature field on page 1`; field types read as words (`date_signed` → `date signed`)."""
    field = _nested(data, "field")
    kind = _text(field.get("type"))
    page = _text(field.get("page"))
    words = f"{kind.replace('_', ' ')} field" if kind else "field"
    return f"{words} on page {page}" if page else words


def _attachment(data: Mapping[str, Any]) -> str:
    """`"terms.pdf"`, or `a file` when the event does not say."""
    name = _text(_nested(data, "attachment").get("fileName"))
    return f'"{name}"' if name else "a file"


def _with_reason(text: str, data: Mapping[str, Any]) -> str:
    reason = _text(data.get("reason"))
    return f'{text}: "{reason}"' if reason else text


def _quoted(name: str | None) -> str:
    return f' "{name}"' if name else ""


def _listed(names: list[str]) -> str:
    return f" ({', '.join(names)})" if names else ""


# --- one sentence per event type --------------------------------------------------------------


def _sent(data: Mapping[str, Any]) -> str:
    recipients = data.get("signers")
    names: list[str] = []
    if isinstance(recipients, list):
        for recipient in recipients:
            if isinstance(recipient, Mapping):
                label = _text(recipient.get("name")) or _text(recipient.get("email"))
            else:
                label = _text(recipient)
            if label:
                names.append(label)
    return f"Sent to {', '.join(names)}" if names else "Sent document for signing"


def _signer_event(verb: str) -> Describer:
    def describe_signer(data: Mapping[str, Any]) -> str:
        who = _person(_signer(data))
        role = _role(data)
        return f"{verb} {role} {who}" if who else f"{verb} {role}"

    return describe_signer


def _signer_updated(data: Mapping[str, Any]) -> str:
    who = _person(_signer(data))
    changes = _changes(data)
    text = f"Updated signer {who}" if who else "Updated signer"
    return f"{text}: {', '.join(changes)}" if changes else text


def _signer_acted(past: str, approver_past: str | None = None) -> Describer:
    """`Jane Smith (jane@acme.com) signed the document`; approvers approve instead."""

    def describe_action(data: Mapping[str, Any]) -> str:
        verb = approver_past if approver_past and _role(data) == "approver" else past
        who = _person(_signer(data))
        return f"{who} {verb}" if who else f"Signer {verb}"

    return describe_action


def _signer_declined(data: Mapping[str, Any]) -> str:
    who = _person(_signer(data))
    return _with_reason(f"{who} declined to sign" if who else "Signer declined to sign", data)


def _invited(data: Mapping[str, Any]) -> str:
    who = _person(_signer(data))
    return f"Sent signing invitation to {who}" if who else "Sent signing invitation"


def _reminded(data: Mapping[str, Any]) -> str:
    who = _person(_signer(data))
    return f"Sent reminder to {who}" if who else "Sent reminder"


def _delivery_failed(data: Mapping[str, Any]) -> str:
    signer = _signer(data)
    to = _text(signer.get("email")) or _person(signer)
    return _with_reason(f"Email to {to} could not be delivered" if to else "Email could not be delivered", data)


def _document_declined(data: Mapping[str, Any]) -> str:
    who = _person(_signer(data)) if isinstance(data.get("signer"), Mapping) else None
    return _with_reason(f"Document declined by {who}" if who else "Document declined", data)


def _generic(event_type: str) -> str:
    """For a type this module does not know yet: still a readable line, never a failure."""
    subject, _, action = event_type.partition(".")
    action_words = action.replace("_", " ") if action else "event"
    return f"{subject.capitalize()} {action_words}".strip()


_DESCRIBERS: dict[str, Describer] = {
    "document.created": lambda d: f"Created document{_quoted(_document_name(d))}",
    "document.updated": lambda d: f"Updated document{_listed(_changes(d))}",
    "document.deleted": lambda d: (
        f"{'Permanently deleted' if d.get('permanent') is True else 'Deleted'} document{_quoted(_document_name(d))}"
    ),
    "document.sent": _sent,
    "document.viewed": lambda d: f"Viewed document{_quoted(_document_name(d))}",
    "document.downloaded": lambda d: f"Downloaded document{_quoted(_document_name(d))}",
    "document.completed": lambda d: "Document completed by all signers",
    "document.declined": _document_declined,
    "document.cancelled": lambda d: _with_reason("Cancelled document", d),
    "document.expired": lambda d: "Document expired before all signers finished",
    "signer.added": _signer_event("Added"),
    "signer.updated": _signer_updated,
    "signer.removed": _signer_event("Removed"),
    "signer.invited": _invited,
    "signer.viewed": _signer_acted("viewed the document"),
    "signer.completed": _signer_acted("signed the document", approver_past="approved the document"),
    "signer.declined": _signer_declined,
    "signer.reminded": _reminded,
    "signer.approved": _signer_acted("approved the document"),
    "signer.otp_requested": _signer_acted("requested a one-time code"),
    "signer.otp_locked": _signer_acted("was locked out after too many incorrect one-time codes"),
    "signer.otp_unlocked": lambda d: f"Unlocked one-time codes for {_person(_signer(d)) or 'the signer'}",
    "signer.delivery_failed": _delivery_failed,
    "field.added": lambda d: f"Added {_field(d)}",
    # Not `fields` here: on a field event that key could mean something else.
    "field.updated": lambda d: f"Updated {_field(d)}{_listed(_changes(d, ('changes', 'changedFields')))}",
    "field.removed": lambda d: f"Removed {_field(d)}",
    "attachment.added": lambda d: f"Attached {_attachment(d)}",
    "attachment.removed": lambda d: f"Removed attachment {_attachment(d)}",
}
