"""`make test` runs as many workers as PostgreSQL's connections hold (devstack/suite_workers.py)."""

from __future__ import annotations

from services.devstack.suite_workers import workers_that_fit


def test_a_large_server_gets_the_workers_asked_for() -> None:
    assert workers_that_fit(3, max_connections=400, in_use=2) == 3


def test_the_default_100_connections_hold_two_workers() -> None:
    # Three workers on 100 connections failed with "too many clients"; a worker peaks at 39.
    assert workers_that_fit(3, max_connections=100, in_use=2) == 2


def test_room_for_two_workers_but_not_three() -> None:
    assert workers_that_fit(3, max_connections=120, in_use=5) == 2


def test_connections_already_in_use_count_against_the_room() -> None:
    assert workers_that_fit(3, max_connections=200, in_use=80) == 2


def test_a_busy_default_server_means_one_process() -> None:
    assert workers_that_fit(3, max_connections=100, in_use=20) == 0


def test_one_process_asked_for_stays_one_process() -> None:
    assert workers_that_fit(0, max_connections=400, in_use=0) == 0
