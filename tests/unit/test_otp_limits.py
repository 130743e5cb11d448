"""The one-time-code limits (services/documents/domain/otp_limits.py): pure arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.documents.domain.otp_limits import attempts_left, daily_wait, reaches_lock

NOW = datetime(2026, 5, 28, 12, 0, tzinfo=UTC)


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_codes_below_the_limit_wait_for_nothing() -> None:
    assert daily_wait([], 3, NOW) == 0
    assert daily_wait([ago(1), ago(2)], 3, NOW) == 0


def test_at_the_limit_the_wait_ends_when_the_oldest_counted_code_leaves_the_day() -> None:
    assert daily_wait([ago(1), ago(5), ago(2)], 3, NOW) == 19 * 3600  # the one from 5 h ago frees up in 19 h
    # Codes older than a day no longer count.
    assert daily_wait([ago(30), ago(25), ago(1), ago(2)], 3, NOW) == 0


def test_more_codes_than_the_limit_wait_for_enough_of_them_to_leave() -> None:
    # The limit was lowered: with 4 codes and a limit of 2, three must leave before one more fits.
    assert daily_wait([ago(4), ago(3), ago(2), ago(1)], 2, NOW) == 22 * 3600


def test_the_wait_rounds_up_and_is_never_zero_while_refused() -> None:
    almost = NOW - timedelta(days=1) + timedelta(milliseconds=200)
    assert daily_wait([almost], 1, NOW) == 1


def test_guesses_left_are_the_fewer_of_the_code_and_the_lock() -> None:
    assert attempts_left(code_attempts=1, max_attempts=5, failures=1, lock_after=10) == 4
    assert attempts_left(code_attempts=1, max_attempts=5, failures=8, lock_after=10) == 2
    assert attempts_left(code_attempts=5, max_attempts=5, failures=5, lock_after=10) == 0
    assert attempts_left(code_attempts=2, max_attempts=5, failures=12, lock_after=10) == 0


def test_the_lock_comes_at_the_configured_count() -> None:
    assert not reaches_lock(9, 10)
    assert reaches_lock(10, 10) and reaches_lock(11, 10)
