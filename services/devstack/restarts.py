"""When `countersign run` starts a service again that exited on its own (pure: no processes here).

A service killed or crashed mid-work is started again at once, as compose's `restart:` or a
process manager would: nothing is lost by that (the outbox, redelivery and leases redo what it
held: docs/running.md, "Stopping and crashes"), and its replicas or callers carry on meanwhile.
A service that keeps exiting is not a crash but a fault that a restart cannot mend (a port taken,
a bad setting, a migration missing): after MAX_EXITS exits within WINDOW_SECONDS, `run` stops
everything and exits non-zero, so the fault is seen instead of looping.
"""

from __future__ import annotations

from collections import defaultdict, deque

MAX_EXITS = 3
WINDOW_SECONDS = 60.0


class RestartPolicy:
    def __init__(self, max_exits: int = MAX_EXITS, window_seconds: float = WINDOW_SECONDS) -> None:
        self.max_exits, self.window_seconds = max_exits, window_seconds
        self._exits: defaultdict[str, deque[float]] = defaultdict(deque)

    def may_restart(self, name: str, now: float) -> bool:
        """Record that `name` exited at `now` (a monotonic clock) and say whether to start it again."""
        exits = self._exits[name]
        exits.append(now)
        while exits and now - exits[0] > self.window_seconds:
            exits.popleft()
        return len(exits) < self.max_exits
