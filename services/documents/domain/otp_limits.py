"""The limits on one-time codes, as pure functions (no I/O): how many codes a day, how many
wrong codes in all, and how many guesses a signer has left (docs/signing.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

# The daily limit counts codes issued in any window of this length (rolling, so no burst of
# twice the limit around midnight).
DAILY_WINDOW = timedelta(days=1)


def daily_wait(issued: Sequence[datetime], limit: int, now: datetime, window: timedelta = DAILY_WINDOW) -> int:
    """Whole seconds before another code may be issued (0: now), given when earlier codes were
    issued. With `limit` codes in the window, a slot frees up when the oldest that still counts
    leaves it."""
    recent = sorted(t for t in issued if t > now - window)
    if len(recent) < limit:
        return 0
    frees_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def attempts_left(code_attempts: int, max_attempts: int, failures: int, lock_after: int) -> int:
    """Guesses left before the code dies or the signer is locked, whichever comes first."""
    return max(0, min(max_attempts - code_attempts, lock_after - failures))


def reaches_lock(failures: int, lock_after: int) -> bool:
    """Whether this many wrong codes in all lock the signer out."""
    return failures >= lock_after
