"""The document lifecycle as a pure transition table (no I/O).

```
draft ──send──▶ pending ──complete──▶ completed
                  │  ▲
 delivery_failed  │  │ signer_fixed
                  ▼  │
              action_required
pending | action_required ──cancel──▶ cancelled
pending ──decline──▶ declined
pending | action_required ──expire──▶ expired
```

Services ask this module whether an action may happen in a status and which status follows;
the repository then makes the change with a conditional UPDATE (`WHERE status = ANY(allowed)`),
so two concurrent requests can never both win. `edit` and `delete` are actions that keep the
status: they only say *when* a document may be edited or soft-deleted.
"""

from __future__ import annotations

from enum import StrEnum

from services.documents.domain.errors import DomainError


class Status(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    ACTION_REQUIRED = "action_required"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    SEND = "send"
    COMPLETE = "complete"
    DECLINE = "decline"
    CANCEL = "cancel"
    EXPIRE = "expire"
    DELIVERY_FAILED = "delivery_failed"
    SIGNER_FIXED = "signer_fixed"
    # Edit the document, its signers and its fields.
    EDIT = "edit"
    # Soft delete; the status stays as it was.
    DELETE = "delete"


S, A = Status, Action

# (status, action) -> resulting status. A pair that is absent is not allowed.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.DRAFT, A.SEND): S.PENDING,
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.PENDING, A.COMPLETE): S.COMPLETED,
    (S.PENDING, A.DECLINE): S.DECLINED,
    (S.PENDING, A.CANCEL): S.CANCELLED,
    (S.PENDING, A.EXPIRE): S.EXPIRED,
    (S.PENDING, A.DELIVERY_FAILED): S.ACTION_REQUIRED,
    (S.ACTION_REQUIRED, A.CANCEL): S.CANCELLED,
    # A document waiting for the sender still has a deadline: it must not outlive it.
    (S.ACTION_REQUIRED, A.EXPIRE): S.EXPIRED,
    # A second bounce while the sender is already asked to act changes nothing.
    (S.ACTION_REQUIRED, A.DELIVERY_FAILED): S.ACTION_REQUIRED,
    (S.ACTION_REQUIRED, A.SIGNER_FIXED): S.PENDING,
    # Deletion is soft and allowed everywhere except while signers may still act.
    (S.DRAFT, A.DELETE): S.DRAFT,
    (S.COMPLETED, A.DELETE): S.COMPLETED,
    (S.DECLINED, A.DELETE): S.DECLINED,
    (S.CANCELLED, A.DELETE): S.CANCELLED,
    (S.EXPIRED, A.DELETE): S.EXPIRED,
}

# Why an action is refused, phrased for the API's 409 detail.
_REFUSALS: dict[Action, str] = {
    A.SEND: "Only draft documents can be sent",
    A.COMPLETE: "Only pending documents can be completed",
    A.DECLINE: "Only pending documents can be declined",
    A.CANCEL: "Only pending or action_required documents can be cancelled",
    A.EXPIRE: "Only pending or action_required documents can expire",
    A.DELIVERY_FAILED: "Delivery failures only apply to documents out for signature",
    A.SIGNER_FIXED: "Only documents in action_required can resume",
    A.EDIT: "Only draft documents can be changed",
    A.DELETE: "Documents in pending or action_required status cannot be deleted; cancel them first",
}

TERMINAL: frozenset[Status] = frozenset({S.COMPLETED, S.DECLINED, S.CANCELLED, S.EXPIRED})


class TransitionNotAllowed(DomainError):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"{action.value} is not allowed in status {status.value}")
        self.status = status
        self.action = action

    @property
    def reason(self) -> str:
        return f"{_REFUSALS[self.action]} (the document is {self.status.value})"


def can(status: Status | str, action: Action) -> bool:
    return (Status(status), action) in TRANSITIONS


def next_status(status: Status | str, action: Action) -> Status:
    """The status after `action`, or TransitionNotAllowed."""
    current = Status(status)
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise TransitionNotAllowed(current, action) from None


def allowed_from(action: Action) -> frozenset[Status]:
    """Every status in which `action` may happen: the `WHERE status = ANY(...)` of its UPDATE."""
    return frozenset(status for (status, act) in TRANSITIONS if act is action)


def refusal(action: Action) -> str:
    return _REFUSALS[action]


def target(action: Action) -> Status:
    """The one status `action` leads to from every status that allows it: what a conditional
    UPDATE over `allowed_from(action)` writes. An action whose result depends on where it starts
    (delete keeps the status) has none: use next_status with the current status."""
    results = {to for (_, act), to in TRANSITIONS.items() if act is action}
    if len(results) != 1:
        raise ValueError(f"{action.value} leads to {sorted(results)}: use next_status(current, action)")
    return results.pop()
