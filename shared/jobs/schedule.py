"""Retry schedules (pure: no I/O): how a setting is read, and when a failed job is tried again.

A schedule is a list of delays in seconds. After the n-th failed attempt in a row the job waits
the n-th delay, spread by ± `jitter` (a fraction) so that jobs which failed together (an SMTP or
endpoint outage) do not all come back in the same second; past the end of the list the last
delay repeats. After `max_attempts` attempts there is no next attempt: the job is dead-lettered.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


def parse_delays(value: object, setting: str) -> tuple[float, ...]:
    """A schedule setting as delays: "60,300,1800" (an environment variable) or a list of numbers.
    Raises ValueError naming the setting for anything else, or a negative delay."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, Iterable):
        raise ValueError(f"{setting} must be a list of seconds, got {value!r}")
    try:
        delays = tuple(float(part) for part in value)
    except (TypeError, ValueError):
        raise ValueError(f"{setting} must be a list of seconds, got {value!r}") from None
    if any(delay < 0 for delay in delays):
        raise ValueError(f"{setting} may not contain negative delays")
    return delays


@dataclass(frozen=True)
class RetrySchedule:
    delays: tuple[float, ...]
    max_attempts: int
    jitter: float = 0.0

    @classmethod
    def each_delay_once(cls, delays: Sequence[float], jitter: float = 0.0) -> RetrySchedule:
        """The first attempt and one retry per delay: the list is the whole schedule."""
        return cls(tuple(delays), len(delays) + 1, jitter)

    def next_attempt(self, failed_attempts: int, rand: Callable[[], float] = random.random) -> float | None:
        """Seconds until the next attempt after `failed_attempts` attempts failed; None: give up."""
        if failed_attempts >= self.max_attempts or not self.delays:
            return None
        base = self.delays[min(max(failed_attempts, 1), len(self.delays)) - 1]
        return max(0.0, base * (1 - self.jitter + 2 * self.jitter * rand()))
