"""Whose turn it is: parallel documents at once, sequential ones group by group."""

from __future__ import annotations

from services.documents.domain.turns import (
    Participant,
    all_done,
    current_order,
    is_turn,
    on_turn,
    participants,
    to_activate,
)


def p(id: str, order: int, status: str = "pending", role: str = "signer", activated: bool = False) -> Participant:
    return Participant(id, role, order, status, activated)


def test_viewers_are_not_participants():
    rows = [
        {"id": "a", "role": "signer", "signing_order": 0, "status": "pending", "activated_at": None},
        {"id": "v", "role": "viewer", "signing_order": 0, "status": "pending", "activated_at": None},
        {"id": "b", "role": "approver", "signing_order": 1, "status": "completed", "activated_at": "x"},
    ]
    assert [(x.id, x.activated, x.done) for x in participants(rows)] == [("a", False, False), ("b", True, True)]


def test_parallel_activates_every_signer_at_once():
    people = [p("a", 2), p("b", 0), p("c", 1)]
    assert {x.id for x in to_activate("parallel", people)} == {"a", "b", "c"}
    assert all(is_turn("parallel", people, x.id) for x in people)


def test_parallel_approvers_go_first_and_signers_follow_the_last_approval():
    people = [p("a", 2), p("b", 0), p("c", 1, role="approver"), p("d", 3, role="approver")]
    assert {x.id for x in to_activate("parallel", people)} == {"c", "d"}
    assert not is_turn("parallel", people, "a") and not is_turn("parallel", people, "b")
    people = [
        p("a", 2),
        p("b", 0),
        p("c", 1, "completed", "approver", True),
        p("d", 3, role="approver", activated=True),
    ]
    assert [x.id for x in on_turn("parallel", people)] == ["d"]  # one approval is not enough
    people = [p("a", 2), p("b", 0), p("c", 1, "completed", "approver", True), p("d", 3, "completed", "approver", True)]
    assert {x.id for x in to_activate("parallel", people)} == {"a", "b"}


def test_a_bounced_approver_still_holds_the_signers_back():
    people = [p("a", 0), p("c", 1, "delivery_failed", "approver", True)]
    assert on_turn("parallel", people) == []
    assert not is_turn("parallel", people, "a")


def test_sequential_approvers_go_first_within_their_group_only():
    # Same order: the approver approves before the signer of that group may sign.
    people = [p("s", 0), p("ap", 0, role="approver"), p("later", 1)]
    assert [x.id for x in to_activate("sequential", people)] == ["ap"]
    people = [p("s", 0), p("ap", 0, "completed", "approver", True), p("later", 1)]
    assert [x.id for x in to_activate("sequential", people)] == ["s"]
    # An approver placed after a signer keeps the order the sender chose: the signer first.
    people = [p("s", 0), p("ap", 1, role="approver")]
    assert [x.id for x in to_activate("sequential", people)] == ["s"]


def test_sequential_starts_with_the_lowest_group_and_equal_orders_act_together():
    people = [p("late", 5), p("first1", 1), p("first2", 1), p("mid", 3, role="approver")]
    assert current_order("sequential", people) == 1
    assert {x.id for x in to_activate("sequential", people)} == {"first1", "first2"}
    assert not is_turn("sequential", people, "mid")


def test_the_next_group_comes_only_when_the_whole_group_is_done():
    people = [p("a", 0, "completed", activated=True), p("b", 0, activated=True), p("c", 1)]
    assert [x.id for x in on_turn("sequential", people)] == ["b"]
    assert to_activate("sequential", people) == []  # b is already invited; c must wait
    people = [p("a", 0, "completed", activated=True), p("b", 0, "completed", activated=True), p("c", 1)]
    assert [x.id for x in to_activate("sequential", people)] == ["c"]
    assert is_turn("sequential", people, "c")


def test_done_participants_have_no_turn_and_everyone_done_is_completion():
    people = [p("a", 0, "completed", activated=True), p("b", 1, "completed", activated=True)]
    assert on_turn("sequential", people) == [] and current_order("sequential", people) is None
    assert all_done(people)
    assert not all_done([])
    assert not all_done([p("a", 0, "completed"), p("b", 0)])


def test_outstanding_counts_bounced_participants_and_never_viewers() -> None:
    from services.documents.domain.turns import outstanding

    rows: list[dict[str, str | None]] = [
        {"id": "a", "role": "signer", "status": "pending", "activated_at": "t"},
        {"id": "b", "role": "signer", "status": "delivery_failed", "activated_at": "t"},
        {"id": "c", "role": "approver", "status": "pending", "activated_at": None},
        {"id": "d", "role": "signer", "status": "completed", "activated_at": "t"},
        {"id": "e", "role": "viewer", "status": "pending", "activated_at": None},
    ]
    assert [r["id"] for r in outstanding(rows)] == ["a", "b", "c"]
    assert [r["id"] for r in outstanding(rows, invited_only=True)] == ["a", "b"]
