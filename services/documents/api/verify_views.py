"""The answer of POST /api/v1/verify (shared/contracts/verify.py) from a `Verification`."""

from __future__ import annotations

from datetime import datetime

from services.documents.commands.verification import Verification
from services.documents.domain.seal_report import SealReport
from shared.contracts.verify import SealFindings, VerifiedDocument, VerifyResult


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def findings(report: SealReport) -> SealFindings:
    # A seal that could not be evaluated says nothing about integrity or trust: null, not false.
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


def verify_result(verification: Verification) -> VerifyResult:
    document = verification.document
    return VerifyResult(
        verdict=verification.verdict.code,
        message=verification.verdict.message,
        fileSha256=verification.file.sha256,
        fileSize=verification.file.size,
        matchesRecord=verification.record == "sealed",
        record=verification.record,
        document=VerifiedDocument(
            id=document.id,
            name=document.name,
            orgId=document.org_id,
            pageCount=document.page_count,
            completedAt=document.completed_at,
        )
        if document is not None
        else None,
        seal=findings(verification.report),
    )
