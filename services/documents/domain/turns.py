"""Whose turn it is (pure: no I/O).

Participants are the signers with role `signer` or `approver`; viewers only receive a copy and
never take a turn. A parallel document lets every participant act at once. A sequential document
moves through `order` groups, lowest first: equal orders form a parallel group, and the next
group starts only when every member of the current one is done.

Approvers "must approve the document before signers can sign" (the reference's role table):
within the participants who may act now — the whole of a parallel document, the current group of
a sequential one — signers wait until every approver among them has approved. A sequential
document's explicit orders still decide between groups (an approver placed after a signer
approves what that signer signed); the rule only settles who goes first among people who would
otherwise act together, so in a parallel document the approvers are invited at send and the
signers once the last approver approves.
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


def _acting_group(signing_type: str, people: Sequence[Participant]) -> list[Participant]:
    """The participants not done who act together now: all of a parallel document, the current
    order group of a sequential one."""
    waiting = [p for p in people if not p.done]
    if signing_type == "parallel":
        return waiting
    order = current_order(signing_type, people)
    return [p for p in waiting if p.order == order]


def on_turn(signing_type: str, people: Sequence[Participant]) -> list[Participant]:
    """Everyone who may act now: pending, in the acting group, and — while an approver of that
    group has not approved (a bounced one included) — only its approvers."""
    group = _acting_group(signing_type, people)
    if any(p.role == "approver" for p in group):
        group = [p for p in group if p.role == "approver"]
    return [p for p in group if p.status == SignerStatus.PENDING]


def is_turn(signing_type: str, people: Sequence[Participant], participant_id: str) -> bool:
    return any(p.id == participant_id for p in on_turn(signing_type, people))


def to_activate(signing_type: str, people: Sequence[Participant]) -> list[Participant]:
    """Who should be invited now and has not been yet (at send, and after each completion)."""
    return [p for p in on_turn(signing_type, people) if not p.activated]


def all_done(people: Sequence[Participant]) -> bool:
    return bool(people) and all(p.done for p in people)
