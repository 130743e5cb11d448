"""Retry schedules of the leased-job primitive (shared/jobs/schedule.py): the one parser of the
schedule settings and the one next-attempt rule."""

from __future__ import annotations

import pytest

from shared.jobs.schedule import RetrySchedule, parse_delays


def test_a_schedule_is_read_from_an_environment_string_or_a_list() -> None:
    assert parse_delays("60, 300,1800", "s") == (60.0, 300.0, 1800.0)
    assert parse_delays("0.5,", "s") == (0.5,)
    assert parse_delays([1, 2.5], "s") == (1.0, 2.5)
    assert parse_delays((), "s") == ()


@pytest.mark.parametrize("value", ["60,soon", 60, [1, None], "-1", [5, -0.1]])
def test_anything_else_is_refused_naming_the_setting(value: object) -> None:
    with pytest.raises(ValueError, match="email_retry_schedule"):
        parse_delays(value, "email_retry_schedule")


def test_delays_follow_the_schedule_and_the_last_one_repeats() -> None:
    schedule = RetrySchedule((10.0, 20.0), max_attempts=5)
    assert [schedule.next_attempt(n) for n in range(1, 6)] == [10.0, 20.0, 20.0, 20.0, None]


def test_jitter_spreads_each_delay_by_its_fraction_either_way() -> None:
    schedule = RetrySchedule((100.0,), max_attempts=3, jitter=0.25)
    assert schedule.next_attempt(1, rand=lambda: 0.0) == 75.0
    assert schedule.next_attempt(1, rand=lambda: 0.5) == 100.0
    assert schedule.next_attempt(1, rand=lambda: 1.0) == 125.0
    assert RetrySchedule((0.0,), 3, jitter=0.5).next_attempt(1, rand=lambda: 0.0) == 0.0


def test_after_max_attempts_the_job_is_dead_lettered() -> None:
    schedule = RetrySchedule((1.0,), max_attempts=2)
    assert schedule.next_attempt(1) == 1.0
    assert schedule.next_attempt(2) is None
    assert schedule.next_attempt(7) is None
    assert RetrySchedule((), max_attempts=9).next_attempt(1) is None  # no delay, no retry


def test_each_delay_once_means_one_attempt_more_than_delays() -> None:
    schedule = RetrySchedule.each_delay_once((5.0, 6.0, 7.0))
    assert schedule.max_attempts == 4
    assert [schedule.next_attempt(n) for n in range(1, 5)] == [5.0, 6.0, 7.0, None]
    assert RetrySchedule.each_delay_once(()).next_attempt(1) is None
