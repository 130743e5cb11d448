"""Whose turn it is (pure: no I/O).

Participants are the signers with role `signer` or `approver`; viewers only receive a copy and
never take a turn. A parallel document lets every participant act at once. A sequential document
moves through `order` groups, lowest first: equal orders form a parallel group, and the next
group starts only when every member of the current one is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.documents.domain.signer_states import OUTSTANDING, SignerStatus

PARTICIPANT_ROLES = frozenset({"signer", "approver"})


def outstanding(rows: Iterable[Mapping[str, Any]], *, invited_only: bool = False) -> list[Mapping[str, Any]]:
    """Participant rows not done yet; with `invited_only`, only those already invited."""
    return [
        r
        for r in rows
        if r["role"] in PARTICIPANT_ROLES
        and r["status"] in OUTSTANDING
        and (not invited_only or r["activated_at"] is not None)
    ]


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    role: str  # signer | approver
    order: int
    status: str  # a SignerStatus
    activated: bool

    @property
    def done(self) -> bool:
        return self.status == SignerStatus.COMPLETED


def participants(rows: Iterable[Mapping[str, Any]]) -> list[Participant]:
    """Signer rows (documents.signers) → participants, viewers left out."""
    return [
        Participant(r["id"], r["role"], r["signing_order"], r["status"], r["activated_at"] is not None)
        for r in rows
        if r["role"] in PARTICIPANT_ROLES
    ]


def current_order(signing_type: str, people: Sequence[Participant]) -> int | None:
    """The order group that may act now in a sequential document (None: nobody is left)."""
    waiting = [p.order for p in people if not p.done]
    if signing_type == "parallel" or not waiting:
        return None
    return min(waiting)


def on_turn(signing_type: str, people: Sequence[Participant]) -> list[Participant]:
    """Everyone who may act now: not done, and in the current group when sequential."""
    pending = [p for p in people if p.status == SignerStatus.PENDING]
    if signing_type == "parallel":
        return pending
    order = current_order(signing_type, people)
    return [p for p in pending if p.order == order]


def is_turn(signing_type: str, people: Sequence[Participant], participant_id: str) -> bool:
    return any(p.id == participant_id for p in on_turn(signing_type, people))


def to_activate(signing_type: str, people: Sequence[Participant]) -> list[Participant]:
    """Who should be invited now and has not been yet (at send, and after each completion)."""
    return [p for p in on_turn(signing_type, people) if not p.activated]


def all_done(people: Sequence[Participant]) -> bool:
    return bool(people) and all(p.done for p in people)
