"""The retry schedule and deactivation rule (pure)."""

from __future__ import annotations

from services.notifier.webhooks.config import REFERENCE_RETRY_SCHEDULE, WebhookConfig, webhook_config
from services.notifier.webhooks.next_step import after_failure, after_success, deactivates
from shared.settings import Settings


def _exact() -> float:
    return 0.5  # rand() = 0.5 means no jitter


def test_the_default_schedule_is_the_references() -> None:
    assert REFERENCE_RETRY_SCHEDULE == (60, 300, 1800, 7200, 18000, 36000, 64800, 86400)
    assert sum(REFERENCE_RETRY_SCHEDULE) / 86400 > 2.4  # "approximately 2.5 days"
    assert webhook_config(Settings()).retry_schedule == REFERENCE_RETRY_SCHEDULE


def test_each_failure_uses_the_next_delay_until_the_schedule_is_used_up() -> None:
    schedule = (60.0, 300.0, 1800.0)
    step, delays = 0, []
    while True:
        nxt = after_failure(step, False, schedule, rand=_exact)
        if nxt.status == "failed":
            break
        delays.append(nxt.delay_seconds)
        step = nxt.retry_step
    assert delays == [60.0, 300.0, 1800.0]
    assert nxt.delay_seconds is None and nxt.retry_step == 3


def test_nine_attempts_in_all_with_the_reference_schedule() -> None:
    step, attempts = 0, 1
    while (nxt := after_failure(step, False, REFERENCE_RETRY_SCHEDULE)).status == "pending":
        step, attempts = nxt.retry_step, attempts + 1
    assert attempts == 9  # the first attempt and 8 retries


def test_jitter_stays_within_ten_percent() -> None:
    low = after_failure(0, False, (100.0,), rand=lambda: 0.0)
    high = after_failure(0, False, (100.0,), rand=lambda: 0.999999)
    assert low.delay_seconds == 90.0
    assert 109.9 < (high.delay_seconds or 0) <= 110.0
    assert after_failure(0, False, (0.0,), rand=lambda: 0.0).delay_seconds == 0.0


def test_a_manual_redelivery_is_one_attempt() -> None:
    assert after_failure(0, True, (60.0,)).status == "failed"


def test_success_ends_the_delivery() -> None:
    done = after_success(2)
    assert (done.status, done.delay_seconds, done.retry_step) == ("succeeded", None, 2)


def test_deactivation_at_the_limit_of_consecutive_failures() -> None:
    assert not deactivates(19, 20)
    assert deactivates(20, 20)


def test_settings_are_read_with_defaults_until_the_fields_exist() -> None:
    defaults = webhook_config(Settings())
    assert defaults == WebhookConfig()
    assert (defaults.timeout_seconds, defaults.max_consecutive_failures, defaults.allow_loopback) == (10.0, 20, False)
    custom = webhook_config(
        Settings().model_copy(
            update={"webhook_retry_schedule": "0.2, 0.2", "webhook_allow_loopback": True, "webhook_timeout_seconds": 3}
        )
    )
    assert custom.retry_schedule == (0.2, 0.2)
    assert custom.allow_loopback and custom.allow_plain_http
    assert custom.lease_seconds > custom.timeout_seconds
