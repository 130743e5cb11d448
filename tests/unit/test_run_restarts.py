"""`countersign run` starts a service again that exited on its own, unless it keeps exiting."""

from __future__ import annotations

from services.devstack.restarts import RestartPolicy


def test_a_service_that_died_once_is_started_again() -> None:
    assert RestartPolicy(max_exits=3, window_seconds=60).may_restart("documents", now=100.0)


def test_the_third_exit_within_the_window_stops_the_restarts() -> None:
    policy = RestartPolicy(max_exits=3, window_seconds=60)
    assert [policy.may_restart("documents", now) for now in (0.0, 10.0, 20.0)] == [True, True, False]


def test_exits_older_than_the_window_are_forgotten() -> None:
    policy = RestartPolicy(max_exits=3, window_seconds=60)
    assert [policy.may_restart("audit", now) for now in (0.0, 10.0, 75.0, 80.0, 85.0)] == [
        True,
        True,
        True,
        True,
        False,
    ]


def test_each_service_and_replica_is_counted_on_its_own() -> None:
    policy = RestartPolicy(max_exits=2, window_seconds=60)
    assert policy.may_restart("documents#1", now=0.0)
    assert policy.may_restart("documents#2", now=1.0)
    assert not policy.may_restart("documents#1", now=2.0)
