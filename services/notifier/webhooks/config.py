"""The webhook settings, read in one place.

The fields live in `shared.settings.Settings` (docs/configuration.md); this module turns them
into one validated `WebhookConfig` (tests set them with `settings.model_copy(update=...)`).

| setting                              | default                              | meaning |
|--------------------------------------|--------------------------------------|---------|
| webhook_retry_schedule               | 60,300,1800,7200,18000,36000,64800,86400 | seconds before each retry after a failure (the reference: 1 min … 24 h) |
| webhook_timeout_seconds              | 10                                   | total time allowed for one delivery attempt |
| webhook_max_consecutive_failures     | 20                                   | failed attempts in a row that deactivate a webhook |
| webhook_allow_loopback               | False                                | development only: allow 127.0.0.0/8 and ::1 targets, and plain http |
| webhook_poll_seconds                 | 1.0                                  | how often the delivery worker looks for due deliveries when idle |
| webhook_concurrency                  | 10                                   | attempts in flight at once per notifier replica |
| webhook_delivery_retention_days      | 30                                   | finished deliveries older than this are pruned |
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.jobs.schedule import parse_delays
from shared.settings import Settings

# The reference's schedule (webhooks-retries.txt): 8 retries, ~2.5 days in all.
REFERENCE_RETRY_SCHEDULE: tuple[float, ...] = (60, 300, 1800, 7200, 18000, 36000, 64800, 86400)
# A claimed delivery is presumed abandoned (its worker died) this long after its attempt's
# timeout, and is claimed again by another worker.
LEASE_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class WebhookConfig:
    retry_schedule: tuple[float, ...] = REFERENCE_RETRY_SCHEDULE
    timeout_seconds: float = 10.0
    max_consecutive_failures: int = 20
    allow_loopback: bool = False
    poll_seconds: float = 1.0
    concurrency: int = 10
    retention_days: int = 30

    @property
    def lease_seconds(self) -> float:
        return self.timeout_seconds + LEASE_MARGIN_SECONDS

    @property
    def allow_plain_http(self) -> bool:
        # The reference requires HTTPS "in production"; the development switch that lets a
        # receiver on 127.0.0.1 through is also the one that allows http, so production keeps both off.
        return self.allow_loopback


def webhook_config(settings: Settings) -> WebhookConfig:
    return WebhookConfig(
        retry_schedule=parse_delays(settings.webhook_retry_schedule, "webhook_retry_schedule"),
        timeout_seconds=settings.webhook_timeout_seconds,
        max_consecutive_failures=settings.webhook_max_consecutive_failures,
        allow_loopback=settings.webhook_allow_loopback,
        poll_seconds=settings.webhook_poll_seconds,
        concurrency=max(1, settings.webhook_concurrency),
        retention_days=settings.webhook_delivery_retention_days,
    )
