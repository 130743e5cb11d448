"""A signer's own lifecycle as a pure transition table (no I/O), beside the document's
(statemachine.py).

```
pending ──finish (sign | approve)──▶ completed
pending ──decline──▶ declined
pending ──delivery_failed──▶ delivery_failed ──fixed──▶ pending
```

Only participants (signers and approvers) move; a viewer stays `pending` and only gets a copy.
Use cases ask this table which status follows; the repository writes it with a conditional
UPDATE on the statuses the action is allowed from, so two concurrent requests never both win.
The database also allows `sent` and `viewed` (migration 0001); no code path has ever written
them: who has viewed is `viewed_at`, who was invited is `activated_at`.
"""

from __future__ import annotations

from enum import StrEnum

from services.documents.domain.errors import DomainError


class SignerStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    DECLINED = "declined"
    DELIVERY_FAILED = "delivery_failed"


class SignerAction(StrEnum):
    # Sign (a signer) or approve (an approver): the participant is done.
    FINISH = "finish"
    DECLINE = "decline"
    # Their invitation bounced: they wait for the sender to fix the address.
    DELIVERY_FAILED = "delivery_failed"
    # The sender fixed the address: back to waiting, invited again when the document resumes.
    FIXED = "fixed"


S, A = SignerStatus, SignerAction

# (status, action) -> resulting status. A pair that is absent is not allowed.
TRANSITIONS: dict[tuple[SignerStatus, SignerAction], SignerStatus] = {
    (S.PENDING, A.FINISH): S.COMPLETED,
    (S.PENDING, A.DECLINE): S.DECLINED,
    (S.PENDING, A.DELIVERY_FAILED): S.DELIVERY_FAILED,
    (S.DELIVERY_FAILED, A.FIXED): S.PENDING,
}

# Statuses of a participant who still owes their action (a bounced invitation included).
OUTSTANDING: frozenset[SignerStatus] = frozenset({S.PENDING, S.DELIVERY_FAILED})


class SignerTransitionNotAllowed(DomainError):
    def __init__(self, status: SignerStatus, action: SignerAction) -> None:
        super().__init__(f"{action.value} is not allowed for a signer in status {status.value}")
        self.status = status
        self.action = action


class AlreadyActed(DomainError):
    """The signer acting through their link is no longer pending (they signed or declined)."""

    def __init__(self, status: SignerStatus | str) -> None:
        super().__init__(f"the signer is {status}")
        self.status = SignerStatus(status)


class NotYourTurn(DomainError):
    """A sequential document: earlier participants must finish first."""


class WrongRole(DomainError):
    """A signer's link used to approve, or an approver's to sign."""

    def __init__(self, role: str) -> None:
        super().__init__(f"this link is for a {role}")
        self.role = role


def can(status: SignerStatus | str, action: SignerAction) -> bool:
    return (SignerStatus(status), action) in TRANSITIONS


def next_status(status: SignerStatus | str, action: SignerAction) -> SignerStatus:
    """The status after `action`, or SignerTransitionNotAllowed."""
    current = SignerStatus(status)
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise SignerTransitionNotAllowed(current, action) from None


def allowed_from(action: SignerAction) -> frozenset[SignerStatus]:
    """Every status in which `action` may happen: the `WHERE status = ANY(...)` of its UPDATE."""
    return frozenset(status for (status, act) in TRANSITIONS if act is action)


def target(action: SignerAction) -> SignerStatus:
    """The status `action` leads to (every signer action has exactly one)."""
    (result,) = {to for (_, act), to in TRANSITIONS.items() if act is action}
    return result
