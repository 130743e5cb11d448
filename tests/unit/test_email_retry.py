"""The retry schedule of transient SMTP failures (the emails' use of shared/jobs/schedule.py) and the
classification of SMTP errors (smtp_errors.py)."""

from __future__ import annotations

import random
from collections.abc import Callable

import aiosmtplib
import pytest

from services.notifier.emails.config import EmailConfig, email_config
from services.notifier.emails.smtp_errors import classify
from shared.jobs.schedule import RetrySchedule
from shared.settings import Settings

SCHEDULE = (60.0, 300.0, 1800.0)


def retry_delay(
    attempts_made: int,
    schedule: tuple[float, ...],
    max_attempts: int,
    jitter: float,
    rand: Callable[[], float] = random.random,
) -> float | None:
    return RetrySchedule(schedule, max_attempts, jitter).next_attempt(attempts_made, rand)


def test_delays_follow_the_schedule_and_the_last_one_repeats() -> None:
    middle = lambda: 0.5  # noqa: E731 - no jitter at the midpoint
    assert [retry_delay(n, SCHEDULE, 10, 0.2, middle) for n in range(1, 6)] == [60.0, 300.0, 1800.0, 1800.0, 1800.0]


def test_jitter_spreads_each_delay_within_its_bounds() -> None:
    assert retry_delay(1, SCHEDULE, 10, 0.2, lambda: 0.0) == pytest.approx(48.0)
    assert retry_delay(1, SCHEDULE, 10, 0.2, lambda: 1.0) == pytest.approx(72.0)


def test_after_the_last_attempt_there_is_no_retry() -> None:
    assert retry_delay(3, SCHEDULE, 3, 0.2) is None
    assert retry_delay(2, SCHEDULE, 3, 0.2) is not None


def test_settings_not_yet_in_shared_settings_are_read_with_defaults() -> None:
    assert email_config(Settings()) == EmailConfig()
    fast = email_config(Settings().model_copy(update={"email_retry_schedule": "0.1, 0.2", "email_max_attempts": 2}))
    assert fast.retry_schedule == (0.1, 0.2) and fast.max_attempts == 2
    assert fast.schedule == RetrySchedule((0.1, 0.2), 2, EmailConfig().jitter)


def test_a_5xx_refusal_of_the_recipient_is_permanent() -> None:
    refused = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "5.1.1 User unknown", "a@x.test")])
    failure = classify(refused)
    assert failure.permanent and failure.reason == "550 5.1.1 User unknown" and not failure.connection_lost
    assert classify(aiosmtplib.SMTPDataError(554, "Rejected")).permanent


def test_4xx_replies_connection_trouble_and_timeouts_are_transient() -> None:
    deferred = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(451, "4.3.0 Try later", "a@x.test")])
    assert not classify(deferred).permanent and classify(deferred).reason == "451 4.3.0 Try later"
    for exc in (
        aiosmtplib.SMTPConnectError("refused"),
        aiosmtplib.SMTPServerDisconnected("gone"),
        aiosmtplib.SMTPTimeoutError("slow"),
        ConnectionRefusedError(111, "refused"),
        TimeoutError(),
    ):
        failure = classify(exc)
        assert not failure.permanent and failure.connection_lost, exc


def test_our_own_sender_being_refused_is_not_blamed_on_the_recipient() -> None:
    failure = classify(aiosmtplib.SMTPSenderRefused(550, "sender rejected", "no-reply@countersign.local"))
    assert not failure.permanent and not failure.connection_lost
