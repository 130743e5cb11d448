"""What happens after a delivery attempt (pure): the next step on the schedule, and deactivation.

The schedule is a list of delays (shared/jobs/schedule.py, each delay used once): after the
first attempt fails, the delivery waits `schedule[0]`, after the first retry fails
`schedule[1]`, and so on; when the list is used up the delivery is `failed` (its dead letter).
`retry_step` (persisted on the delivery) says how many delays were used, so the position
survives restarts and a manual redelivery does not restart it. A manual redelivery is one extra
attempt (`final_attempt`): its failure ends the delivery at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.jobs.schedule import RetrySchedule

# Delays are spread by ±10% so deliveries that failed together (an endpoint that was down)
# do not all come back in the same second.
JITTER = 0.1


@dataclass(frozen=True)
class NextStep:
    status: Literal["pending", "succeeded", "failed"]
    delay_seconds: float | None  # until the next attempt; None when there is none
    retry_step: int


def after_success(retry_step: int) -> NextStep:
    return NextStep("succeeded", None, retry_step)


def after_failure(
    retry_step: int,
    final_attempt: bool,
    schedule: Sequence[float],
    *,
    jitter: float = JITTER,
    rand: Callable[[], float] = random.random,
) -> NextStep:
    delay = (
        None if final_attempt else RetrySchedule.each_delay_once(schedule, jitter).next_attempt(retry_step + 1, rand)
    )
    if delay is None:
        return NextStep("failed", None, retry_step)
    return NextStep("pending", delay, retry_step + 1)


def deactivates(consecutive_failures: int, limit: int) -> bool:
    """A webhook is switched off once it has failed `limit` times in a row (the reference: 20)."""
    return consecutive_failures >= limit
