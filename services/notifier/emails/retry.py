"""When to try a failed email again (pure: no I/O).

After a transient failure (a 4xx reply, a refused connection, a timeout) the email waits the
schedule's next delay, spread by ± `jitter` so emails that failed together (an SMTP outage) do
not all come back in the same second; the last delay repeats. After `max_attempts` attempts it
is dead-lettered instead (status `failed`, with the last reason).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence


def retry_delay(attempts_made: int, schedule: Sequence[float], max_attempts: int, jitter: float,
                rand: Callable[[], float] = random.random) -> float | None:
    """Seconds until the next attempt after `attempts_made` attempts failed; None: give up."""
    if attempts_made >= max_attempts or not schedule:
        return None
    base = schedule[min(max(attempts_made, 1), len(schedule)) - 1]
    return max(0.0, base * (1 - jitter + 2 * jitter * rand()))
