"""The email settings, read in one place.

The fields live in `shared.settings.Settings` (docs/configuration.md); this module gathers
them into one validated `EmailConfig` (tests set them with `settings.model_copy(update=...)`).

| setting                      | default                   | meaning |
|------------------------------|---------------------------|---------|
| email_retry_schedule         | 60,300,1800,7200,21600    | seconds before each retry after a transient SMTP failure (the last one repeats) |
| email_max_attempts           | 6                         | attempts before an email is dead-lettered (`failed`) |
| email_send_lease_seconds     | 300                       | a claimed email not recorded within this is presumed abandoned and sent again |
| email_poll_seconds           | 5.0                       | how often the send worker looks for due emails besides the NOTIFY wake-up |
| email_batch_size             | 20                        | emails claimed and sent over one SMTP connection per pass |
| email_hold_seconds           | 300                       | how often an email for a document on hold (action_required) is looked at again; it is also brought forward when the document resumes |
| signed_copy_retention_days   | 30                        | how long a participant's signed-copy link works after completion (documents reads it too) |
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.jobs.schedule import RetrySchedule, parse_delays
from shared.settings import Settings

DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = (60, 300, 1800, 7200, 21600)
# ± this fraction of each delay, so emails that failed together do not all retry together.
JITTER = 0.2
# Longer than the SMTP client's timeouts (services/notifier/mailer.py) for a whole batch would
# be ideal, but a lease only matters when a worker died; 5 minutes bounds the wait for a re-send.
DEFAULT_LEASE_SECONDS = 300.0


@dataclass(frozen=True)
class EmailConfig:
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    max_attempts: int = 6
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    poll_seconds: float = 5.0
    batch_size: int = 20
    hold_seconds: float = 300.0
    signed_copy_retention_days: int = 30
    jitter: float = JITTER

    @property
    def schedule(self) -> RetrySchedule:
        return RetrySchedule(self.retry_schedule, self.max_attempts, self.jitter)


def _schedule(value: object) -> tuple[float, ...]:
    delays = parse_delays(value, "email_retry_schedule")
    if not delays:
        raise ValueError("email_retry_schedule needs at least one delay, none negative")
    return delays


def email_config(settings: Settings) -> EmailConfig:
    return EmailConfig(
        retry_schedule=_schedule(settings.email_retry_schedule),
        max_attempts=max(1, settings.email_max_attempts),
        lease_seconds=settings.email_send_lease_seconds,
        poll_seconds=settings.email_poll_seconds,
        batch_size=max(1, settings.email_batch_size),
        hold_seconds=settings.email_hold_seconds,
        signed_copy_retention_days=settings.signed_copy_retention_days,
    )
