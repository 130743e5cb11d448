"""Run the seal checker (seal_worker.check) on an untrusted file: in a warm worker of the sandbox
pool when the service has one (adapters/sandbox_pool.py), else in a limited child process of its
own (seal_worker.py) — the same checker, limits and outcomes either way.

Every way the checker can end — a report, a crash, a kill on the wall clock or the memory cap,
garbage on stdout — becomes a SealReport; nothing the file does raises out of here.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from services.documents.domain.seal_report import SealReport
from services.documents.pdf.sandbox import Sandbox, child_env, run_limited

# A module-level list so tests can substitute a misbehaving process.
WORKER_ARGV: list[str] = [sys.executable, "-m", "services.documents.adapters.sealing.seal_worker"]
# pyHanko, cryptography and asn1crypto need more address space than pypdf alone.
MEMORY_MB = 768
# A report is a few hundred bytes; anything longer is not one.
REPLY_CAP = 64 * 1024


async def check_seal(
    path: Path, ca_pem_path: Path, *, timeout_s: float, memory_mb: int = MEMORY_MB, sandbox: Sandbox | None = None
) -> SealReport:
    cpu_seconds = max(1, math.ceil(timeout_s))
    if sandbox is not None:
        request = json.dumps({"path": str(path), "ca_pem_path": str(ca_pem_path)})
        outcome = await sandbox.run(
            "seal", request, timeout_s=timeout_s, memory_mb=memory_mb, cpu_seconds=cpu_seconds, reply_cap=REPLY_CAP
        )
    else:
        argv = [*WORKER_ARGV, str(path), str(ca_pem_path), str(memory_mb), str(cpu_seconds)]
        outcome = await run_limited(argv, timeout_s=timeout_s, env=child_env(), stdout_cap=REPLY_CAP)
    report = SealReport.parse(outcome.stdout) if outcome.returncode == 0 else None
    if report is not None:
        return report
    # The checker gave up on the file (time, memory, a crash): the file is not readable to us.
    why = "timeout" if outcome.timed_out else f"checker-exit-{outcome.returncode}"
    return SealReport("unreadable", ends_with_eof=False, error=why)
