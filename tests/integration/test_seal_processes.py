"""The seal in processes of its own (adapters/sealing/seal_processes.py): real worker processes,
the development TSA over HTTP, verdicts from pyHanko's validator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from pyhanko.sign.validation.status import SignatureCoverageLevel

from services.documents.adapters.sealing.authority import CertificateAuthority
from services.documents.adapters.sealing.seal import SealIdentity
from services.documents.adapters.sealing.seal_processes import SealProcesses
from shared.settings import REPO_ROOT
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers
from tests.seal_checks import async_validate_seal, issued_identity, peers_authority, trust_roots


@pytest.fixture(scope="module")
def ca(peers: Peers) -> CertificateAuthority:
    return peers_authority(peers)


@pytest.fixture(scope="module")
def identity(ca: CertificateAuthority) -> SealIdentity:
    return issued_identity(ca, "org_test_seal_processes")


@pytest.fixture
async def processes(peers: Peers) -> AsyncIterator[SealProcesses]:
    running = SealProcesses(1, peers.tsa_url, 5)
    await running.start()
    yield running
    await running.close()


def _original(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"{text}.pdf"
    path.write_bytes(make_pdf([LETTER], text=text))
    return path


async def test_a_worker_seals_with_a_timestamp_and_reports_the_size_to_reuse(
    tmp_path: Path, processes: SealProcesses, ca: CertificateAuthority, identity: SealIdentity
) -> None:
    first, second = tmp_path / "first-sealed.pdf", tmp_path / "second-sealed.pdf"
    learnt = await processes.seal(_original(tmp_path, "first"), first, identity, [], None)
    assert learnt is not None and learnt > 0
    # Given the size, the worker skips the dry run and says nothing new.
    assert await processes.seal(_original(tmp_path, "second"), second, identity, [], learnt) is None

    for sealed in (first, second):
        status = await async_validate_seal(sealed.read_bytes(), trust_roots(ca.cert_pem))
        assert status.intact and status.valid and status.trusted and status.bottom_line
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert status.timestamp_validity is not None and status.timestamp_validity.intact


async def test_workers_run_at_the_niceness_they_are_given_and_the_service_keeps_its_own(peers: Peers) -> None:
    # A seal is background work: on busy cores the service's own paths go first (SEAL_NICE).
    niced = SealProcesses(2, peers.tsa_url, 5, niceness=7)
    await niced.start()
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        # start() may have run both of its jobs on the first worker while the second was still
        # importing: a worker's initializer (which lowers its priority) runs before any job of it.
        for _ in range(200):
            niceness = [os.getpriority(os.PRIO_PROCESS, pid) for pid in niced.pids()]
            if niceness == [min(own + 7, 19)] * 2:
                break
            await asyncio.sleep(0.05)
        assert niceness == [min(own + 7, 19)] * 2
        assert os.getpriority(os.PRIO_PROCESS, 0) == own
    finally:
        await niced.close()


async def test_a_worker_killed_costs_one_seal_and_the_next_gets_a_new_one(
    tmp_path: Path, processes: SealProcesses, ca: CertificateAuthority, identity: SealIdentity
) -> None:
    [worker] = processes.pids()
    os.kill(worker, signal.SIGKILL)

    with pytest.raises(BrokenProcessPool):
        await processes.seal(_original(tmp_path, "lost"), tmp_path / "lost-sealed.pdf", identity, [], None)
    assert not (tmp_path / "lost-sealed.pdf").exists()

    sealed = tmp_path / "next-sealed.pdf"
    await processes.seal(_original(tmp_path, "next"), sealed, identity, [], None)
    status = await async_validate_seal(sealed.read_bytes(), trust_roots(ca.cert_pem))
    assert status.intact and status.valid and status.trusted


# A service that starts two seal workers, writes their pids down, and waits to be killed. (Not to a
# pipe: the workers inherit the service's stdout, and asyncio's wait() waits for every holder.)
_SERVICE = """
import asyncio, os, sys
from services.documents.adapters.sealing.seal_processes import SealProcesses

async def main():
    processes = SealProcesses(2, None, 5)
    await processes.start()
    with open(sys.argv[1] + ".tmp", "w") as out:
        out.write(" ".join(map(str, processes.pids())))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # dead, waiting for whoever adopted it to reap it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
async def test_the_workers_die_with_a_service_that_is_killed(tmp_path: Path) -> None:
    pids = tmp_path / "workers"
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SERVICE, str(pids), stdout=asyncio.subprocess.DEVNULL, cwd=REPO_ROOT
    )
    try:
        for _ in range(600):  # bounds, not timing assertions
            if pids.exists() or service.returncode is not None:
                break
            await asyncio.sleep(0.1)
        workers = [int(pid) for pid in pids.read_text().split()]
        assert len(workers) == 2 and not any(_gone(pid) for pid in workers)
        service.kill()  # no shutdown: what a crash or the OOM killer does
        await service.wait()
        for _ in range(100):
            if all(_gone(pid) for pid in workers):
                break
            await asyncio.sleep(0.1)
        assert all(_gone(pid) for pid in workers), workers
    finally:
        if service.returncode is None:
            service.kill()
            await service.wait()
        for pid in [int(p) for p in pids.read_text().split()] if pids.exists() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # only if the test failed: none should be left
