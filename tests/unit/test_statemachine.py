"""The document lifecycle table, checked for every status × action."""

from __future__ import annotations

import pytest

from services.documents.domain.statemachine import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Status,
    TransitionNotAllowed,
    allowed_from,
    can,
    next_status,
    refusal,
    target,
)

S, A = Status, Action

# Written out independently of services/documents/domain/statemachine.py: what the document
# lifecycle allows (docs/signing.md describes each transition), and where to.
EXPECTED: dict[tuple[Status, Action], Status] = {
    (S.DRAFT, A.SEND): S.PENDING,
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.DELETE): S.DRAFT,
    (S.PENDING, A.COMPLETE): S.COMPLETED,
    (S.PENDING, A.DECLINE): S.DECLINED,
    (S.PENDING, A.CANCEL): S.CANCELLED,
    (S.PENDING, A.EXPIRE): S.EXPIRED,
    (S.PENDING, A.DELIVERY_FAILED): S.ACTION_REQUIRED,
    (S.ACTION_REQUIRED, A.CANCEL): S.CANCELLED,
    (S.ACTION_REQUIRED, A.EXPIRE): S.EXPIRED,
    (S.ACTION_REQUIRED, A.DELIVERY_FAILED): S.ACTION_REQUIRED,
    (S.ACTION_REQUIRED, A.SIGNER_FIXED): S.PENDING,
    (S.COMPLETED, A.DELETE): S.COMPLETED,
    (S.DECLINED, A.DELETE): S.DECLINED,
    (S.CANCELLED, A.DELETE): S.CANCELLED,
    (S.EXPIRED, A.DELETE): S.EXPIRED,
}

ALL_PAIRS = [(status, action) for status in Status for action in Action]


def test_every_status_of_the_design_is_covered():
    assert {s.value for s in Status} == {
        "draft",
        "pending",
        "action_required",
        "completed",
        "declined",
        "cancelled",
        "expired",
    }
    assert {a.value for a in Action} == {
        "send",
        "complete",
        "decline",
        "cancel",
        "expire",
        "delivery_failed",
        "signer_fixed",
        "edit",
        "delete",
    }


def test_the_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=[f"{s.value}-{a.value}" for s, a in ALL_PAIRS])
def test_each_status_and_action(status: Status, action: Action):
    expected = EXPECTED.get((status, action))
    assert can(status, action) is (expected is not None)
    assert can(status.value, action) is (expected is not None)  # statuses read from the database are str
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as err:
            next_status(status, action)
        assert err.value.status is status and err.value.action is action
        assert status.value in err.value.reason
    else:
        assert next_status(status, action) is expected


def test_terminal_statuses_allow_nothing_but_soft_delete():
    for status in TERMINAL:
        assert [a for a in Action if can(status, a)] == [A.DELETE]


def test_only_drafts_are_editable_and_pending_work_cannot_be_deleted():
    assert allowed_from(A.EDIT) == {S.DRAFT}
    assert allowed_from(A.DELETE) == set(Status) - {S.PENDING, S.ACTION_REQUIRED}
    assert allowed_from(A.CANCEL) == {S.PENDING, S.ACTION_REQUIRED}
    assert allowed_from(A.SEND) == {S.DRAFT}


def test_edit_and_delete_keep_the_status():
    for action in (A.EDIT, A.DELETE):
        for status in allowed_from(action):
            assert next_status(status, action) is status


def test_every_action_has_a_refusal_text():
    for action in Action:
        assert refusal(action)


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError):
        can("archived", A.EDIT)


def test_conditional_updates_write_the_one_status_an_action_leads_to():
    assert {a: target(a) for a in Action if a is not A.DELETE} == {
        A.SEND: S.PENDING,
        A.COMPLETE: S.COMPLETED,
        A.DECLINE: S.DECLINED,
        A.CANCEL: S.CANCELLED,
        A.EXPIRE: S.EXPIRED,
        A.DELIVERY_FAILED: S.ACTION_REQUIRED,
        A.SIGNER_FIXED: S.PENDING,
        A.EDIT: S.DRAFT,
    }
    # A delete keeps whatever status the document has: no single status to write.
    with pytest.raises(ValueError):
        target(A.DELETE)
