"""What a sandbox job's ending says for the metrics: its outcome, and which limit it hit if any.

Pure: read from the `ProcessOutcome` the pool returns (sandbox_pool.py), as callers read it. A
limit shows as the way the worker ended — the parent's wall clock (a timeout), the kernel's CPU
limit (SIGXCPU), the address-space limit (a MemoryError the job did not turn into a reply, on
stderr), a reply over its cap. A job that turned its own memory trouble into a reply (the
checker's `resource_limit` rejection) replied: callers count that rejection as any other.
"""

from __future__ import annotations

import signal

from services.documents.pdf.sandbox import ProcessOutcome
from shared.metrics import SANDBOX_JOBS, SANDBOX_LIMIT_BREACHES


def classify(outcome: ProcessOutcome) -> tuple[str, str | None]:
    """(outcome, limit): outcome is replied, timeout, crashed or reply_too_large; limit is
    wall_clock, cpu, memory, reply_size or None."""
    if outcome.timed_out:
        return "timeout", "wall_clock"
    if outcome.stdout_overflow:
        return "reply_too_large", "reply_size"
    if outcome.returncode == 0:
        return "replied", None
    if outcome.returncode == -signal.SIGXCPU:
        return "crashed", "cpu"
    if b"MemoryError" in outcome.stderr_tail:
        return "crashed", "memory"
    return "crashed", None


def record_job(kind: str, outcome: ProcessOutcome) -> None:
    ending, limit = classify(outcome)
    SANDBOX_JOBS.labels(kind, ending).inc()
    if limit is not None:
        SANDBOX_LIMIT_BREACHES.labels(kind, limit).inc()
