"""Run the seal checker on an untrusted file in a limited child process (seal_worker.py).

Every way the checker can end — a report, a crash, a kill on the wall clock or the memory cap,
garbage on stdout — becomes a SealReport; nothing the file does raises out of here.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from services.documents.domain.seal_report import SealReport
from services.documents.pdf.sandbox import child_env, run_limited

# A module-level list so tests can substitute a misbehaving process.
WORKER_ARGV: list[str] = [sys.executable, "-m", "services.documents.adapters.sealing.seal_worker"]
# pyHanko, cryptography and asn1crypto need more address space than pypdf alone.
MEMORY_MB = 768


async def check_seal(path: Path, ca_pem_path: Path, *, timeout_s: float, memory_mb: int = MEMORY_MB) -> SealReport:
    argv = [*WORKER_ARGV, str(path), str(ca_pem_path), str(memory_mb), str(max(1, math.ceil(timeout_s)))]
    outcome = await run_limited(argv, timeout_s=timeout_s, env=child_env(), stdout_cap=64 * 1024)
    report = SealReport.parse(outcome.stdout) if outcome.returncode == 0 else None
    if report is not None:
        return report
    # The checker gave up on the file (time, memory, a crash): the file is not readable to us.
    why = "timeout" if outcome.timed_out else f"checker-exit-{outcome.returncode}"
    return SealReport("unreadable", ends_with_eof=False, error=why)
