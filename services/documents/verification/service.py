"""Verify a file: its seal (in the checker process), our records, the verdict, the answer.

What the answer reveals, and why (docs/signed-pdf.md): for the sealed file we produced, the
document's id, name, organisation, page count and completion time — all printed on its
certificate of completion, so the holder already has them. For an original, only that it is one:
the same blank form may be many organisations' document, and its holder has been shown none of
them. The seal's findings come from the file itself.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from services.documents.api.verify_schemas import SealFindings, VerifiedDocument, VerifyResult
from services.documents.verification import records
from services.documents.verification.seal_check import check_seal
from services.documents.verification.seal_report import SealReport
from services.documents.verification.verdict import judge


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def findings(report: SealReport) -> SealFindings:
    checked = report.sealed and report.error is None
    return SealFindings(
        present=report.sealed,
        intact=report.intact if checked else None,
        valid=report.valid if checked else None,
        trusted=report.trusted if checked else None,
        coversWholeFile=report.coverage == "file" if checked else None,
        modifiedAfterSeal=(report.coverage != "file" or report.changes_allowed is False) if checked else None,
        organizationId=report.signer_org_id,
        certificateSubject=report.signer_subject,
        certificateSha256=report.certificate_sha256,
        signedAt=_time(report.signed_at),
        timestampAt=_time(report.timestamp_at),
        timestampValid=report.timestamp_valid,
    )


async def verify_file(pool: asyncpg.Pool, path: Path, *, sha256: str, size: int, ca_pem_path: Path,
                      timeout_s: float) -> VerifyResult:
    report = await check_seal(path, ca_pem_path, timeout_s=timeout_s)
    async with pool.acquire() as conn:
        matched, document = await records.match(conn, sha256)
    verdict = judge(report, matched)
    return VerifyResult(
        verdict=verdict.code, message=verdict.message, fileSha256=sha256, fileSize=size,
        matchesRecord=matched == "sealed", record=matched,
        document=VerifiedDocument(id=document.id, name=document.name, orgId=document.org_id,
                                  pageCount=document.page_count, completedAt=document.completed_at)
        if document is not None else None,
        seal=findings(report),
    )
