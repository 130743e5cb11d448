"""The seal checker (services/documents/adapters/sealing/seal_check.py) on real sealed files and their damaged
copies, in its limited child process and in a warm sandbox worker, with the verdict each one gets (no records: `none`)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

from services.documents.adapters.sandbox_pool import SandboxPool
from services.documents.adapters.sealing import seal_check
from services.documents.adapters.sealing.authority import CertificateAuthority, new_authority
from services.documents.adapters.sealing.seal import SealIdentity, seal_pdf
from services.documents.adapters.sealing.seal_check import check_seal
from services.documents.domain.verdict import judge
from tests.pdf_corpus import LETTER, make_pdf
from tests.peers import Peers


@pytest.fixture(scope="module")
def ca(peers: Peers) -> CertificateAuthority:
    return CertificateAuthority.from_pem(peers.pki.ca_cert.read_bytes(), peers.pki.ca_key.read_bytes())


@pytest.fixture(scope="module")
def sealed(peers: Peers, ca: CertificateAuthority) -> bytes:
    issued = ca.issue_seal_certificate("org_verified", datetime.now(UTC), 30)
    return seal_pdf(
        make_pdf([LETTER, LETTER], text="Verify me"),
        SealIdentity(issued.key_pem, [issued.cert_pem, ca.cert_pem]),
        HTTPTimeStamper(peers.tsa_url),
    )


async def _check(tmp_path: Path, ca: CertificateAuthority, pdf: bytes):  # type: ignore[no-untyped-def]
    path, ca_path = tmp_path / "upload.pdf", tmp_path / "ca.pem"
    path.write_bytes(pdf)
    ca_path.write_bytes(ca.cert_pem)
    return await check_seal(path, ca_path, timeout_s=30)


def _one_byte_changed(pdf: bytes, at: int = 200) -> bytes:
    changed = bytearray(pdf)
    changed[at] ^= 0x01  # by default in the original's first objects, well inside the signed range
    return bytes(changed)


def _seal_byte_changed(pdf: bytes) -> bytes:
    """One hex digit of the signature value itself (the CMS blob in /Contents) changed."""
    contents = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    return _one_byte_changed(pdf, contents + 100)


def _resaved(pdf: bytes) -> bytes:
    out = io.BytesIO()
    pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf))).write(out)
    return out.getvalue()


async def test_an_intact_seal_is_valid_trusted_timestamped_and_names_its_organisation(
    tmp_path: Path, ca: CertificateAuthority, sealed: bytes
) -> None:
    report = await _check(tmp_path, ca, sealed)
    assert report.sealed and report.intact and report.valid and report.trusted and report.coverage == "file"
    assert report.signer_org_id == "org_verified" and report.timestamp_valid is True
    assert report.timestamp_at is not None and report.changes_allowed is not False
    assert judge(report, "none").code == "sealed-unrecorded"
    assert judge(report, "sealed").code == "authentic"


def _titled_afterwards(pdf: bytes) -> bytes:
    """An incremental update after the seal: what a reader's "save" of an edited file does."""
    writer = pypdf.PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_metadata({"/Title": "changed after sealing"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("damage", "verdict"),
    [
        (_one_byte_changed, "tampered"),
        (_seal_byte_changed, "tampered"),
        (lambda pdf: pdf[: len(pdf) * 2 // 3], "truncated"),
        (lambda pdf: pdf[:-40], "truncated"),
        (_resaved, "rewritten"),
        (_titled_afterwards, "appended"),
    ],
)
async def test_each_damaged_copy_gets_its_own_verdict(
    tmp_path: Path, ca: CertificateAuthority, sealed: bytes, damage, verdict: str
) -> None:  # type: ignore[no-untyped-def]
    report = await _check(tmp_path, ca, damage(sealed))
    assert judge(report, "none").code == verdict, report


async def test_a_seal_by_another_ca_is_intact_but_untrusted(tmp_path: Path, ca: CertificateAuthority) -> None:
    stranger = new_authority("Some other CA")
    other = CertificateAuthority.from_pem(stranger.cert_pem, stranger.key_pem)
    issued = other.issue_seal_certificate("org_elsewhere", datetime.now(UTC), 30)
    pdf = await asyncio.to_thread(
        seal_pdf, make_pdf([LETTER]), SealIdentity(issued.key_pem, [issued.cert_pem, other.cert_pem])
    )
    report = await _check(tmp_path, ca, pdf)
    assert report.intact and not report.trusted and judge(report, "none").code == "untrusted-seal"


async def test_unsealed_files_are_unknown_or_an_original_and_garbage_is_unreadable(
    tmp_path: Path, ca: CertificateAuthority
) -> None:
    plain = await _check(tmp_path, ca, make_pdf([LETTER], text="never sealed"))
    assert not plain.sealed and plain.structure == "readable"
    assert judge(plain, "none").code == "unknown" and judge(plain, "original").code == "original"
    garbage = await _check(tmp_path, ca, b"this is not a PDF at all\n%%EOF")
    assert garbage.structure == "unreadable" and judge(garbage, "none").code == "unreadable"


async def test_a_checker_that_hangs_is_killed_and_the_file_is_unreadable(
    tmp_path: Path, ca: CertificateAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(seal_check, "WORKER_ARGV", [sys.executable, "-c", "import time; time.sleep(30)"])
    report = await _check_with_timeout(tmp_path, ca, b"%PDF-1.7\n", timeout_s=0.5)
    assert report.structure == "unreadable" and report.error == "timeout"
    assert judge(report, "none").code == "truncated" or judge(report, "none").code == "unreadable"


async def _check_with_timeout(tmp_path: Path, ca: CertificateAuthority, pdf: bytes, timeout_s: float):  # type: ignore[no-untyped-def]
    path, ca_path = tmp_path / "upload.pdf", tmp_path / "ca.pem"
    path.write_bytes(pdf)
    ca_path.write_bytes(ca.cert_pem)
    return await check_seal(path, ca_path, timeout_s=timeout_s)


async def test_a_warm_sandbox_worker_gives_the_same_reports_as_a_process_of_its_own(
    tmp_path: Path, ca: CertificateAuthority, sealed: bytes
) -> None:
    """The service checks seals in its sandbox pool (no process started per verification); the
    reports must be exactly the one-shot checker's, for an intact seal, damage and garbage, and
    the worker must survive to check the next file."""
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(ca.cert_pem)
    pool = SandboxPool(1, jobs_per_worker=100, memory_mb=seal_check.MEMORY_MB)
    await pool.start()
    try:
        for i, pdf in enumerate((sealed, _one_byte_changed(sealed), b"%PDF-1.7\nnot really", sealed)):
            path = tmp_path / f"upload-{i}.pdf"
            path.write_bytes(pdf)
            alone = await check_seal(path, ca_path, timeout_s=30)
            warm = await check_seal(path, ca_path, timeout_s=30, sandbox=pool)
            assert warm == alone
        assert warm.valid and warm.trusted  # the last file: the intact seal again, same worker
        (worker,) = pool.pids()
        hung = tmp_path / "hang.pdf"
        hung.write_bytes(sealed)
        # A job past its wall clock costs that job and the worker, never the pool.
        report = await check_seal(hung, ca_path, timeout_s=0.001, sandbox=pool)
        assert report.structure == "unreadable" and report.error == "timeout"
        assert (await check_seal(hung, ca_path, timeout_s=30, sandbox=pool)).valid
        assert pool.pids() != [worker]
    finally:
        await pool.close()
