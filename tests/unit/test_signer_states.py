"""The signer lifecycle table, checked for every status × action (services/documents/domain/signer_states.py)."""

from __future__ import annotations

import pytest

from services.documents.domain.signer_states import (
    OUTSTANDING,
    TRANSITIONS,
    SignerAction,
    SignerStatus,
    SignerTransitionNotAllowed,
    allowed_from,
    can,
    next_status,
    target,
)

S, A = SignerStatus, SignerAction

# Written out independently of the module: what docs/signing.md and delivery failures describe.
EXPECTED: dict[tuple[SignerStatus, SignerAction], SignerStatus] = {
    (S.PENDING, A.FINISH): S.COMPLETED,
    (S.PENDING, A.DECLINE): S.DECLINED,
    (S.PENDING, A.DELIVERY_FAILED): S.DELIVERY_FAILED,
    (S.DELIVERY_FAILED, A.FIXED): S.PENDING,
}

ALL_PAIRS = [(status, action) for status in SignerStatus for action in SignerAction]


def test_every_status_and_action_is_covered():
    assert {s.value for s in SignerStatus} == {"pending", "completed", "declined", "delivery_failed"}
    assert {a.value for a in SignerAction} == {"finish", "decline", "delivery_failed", "fixed"}


def test_the_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=[f"{s.value}-{a.value}" for s, a in ALL_PAIRS])
def test_each_status_and_action(status: SignerStatus, action: SignerAction):
    expected = EXPECTED.get((status, action))
    assert can(status, action) is (expected is not None)
    assert can(status.value, action) is (expected is not None)  # statuses read from the database are str
    if expected is None:
        with pytest.raises(SignerTransitionNotAllowed) as err:
            next_status(status, action)
        assert err.value.status is status and err.value.action is action
    else:
        assert next_status(status, action) is expected


def test_finished_signers_can_do_nothing_more():
    for status in (S.COMPLETED, S.DECLINED):
        assert [a for a in SignerAction if can(status, a)] == []


def test_conditional_updates_read_their_statuses_from_the_table():
    assert allowed_from(A.FINISH) == allowed_from(A.DECLINE) == allowed_from(A.DELIVERY_FAILED) == {S.PENDING}
    assert allowed_from(A.FIXED) == {S.DELIVERY_FAILED}
    assert [target(a) for a in SignerAction] == [S.COMPLETED, S.DECLINED, S.DELIVERY_FAILED, S.PENDING]


def test_outstanding_signers_are_those_who_can_still_be_moved_forward():
    assert OUTSTANDING == {s for (s, _) in EXPECTED}


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError):
        can("viewed", A.FINISH)
