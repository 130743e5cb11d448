"""The verdict on a verified file from the checker's report and our record (pure)."""

from __future__ import annotations

import pytest

from services.documents.domain.seal_report import SealReport
from services.documents.domain.verdict import AUTHENTIC_OWN_CERTIFICATE, MESSAGES, judge

GOOD = SealReport("readable", True, sealed=True, intact=True, valid=True, trusted=True, coverage="file")


def test_our_record_of_the_exact_bytes_wins() -> None:
    assert judge(GOOD, "sealed").code == "authentic"
    assert judge(SealReport("readable", True), "sealed").code == "authentic"  # our bytes, whatever a reader says


def test_our_file_sealed_with_the_organisations_own_certificate_is_authentic_and_says_so() -> None:
    own = SealReport("readable", True, sealed=True, intact=True, valid=True, trusted=False, coverage="file")
    verdict = judge(own, "sealed")
    assert verdict.code == "authentic" and verdict.message == AUTHENTIC_OWN_CERTIFICATE
    assert judge(GOOD, "sealed").message == MESSAGES["authentic"]
    assert judge(own, "none").code == "untrusted-seal"  # not our record: the platform CA cannot vouch for it


@pytest.mark.parametrize(
    ("report", "code"),
    [
        (GOOD, "sealed-unrecorded"),
        (
            SealReport("readable", True, sealed=True, intact=True, valid=True, trusted=True, coverage="revision"),
            "appended",
        ),
        (
            SealReport("readable", True, sealed=True, intact=True, valid=True, trusted=False, coverage="file"),
            "untrusted-seal",
        ),
        (SealReport("readable", True, sealed=True, intact=False, valid=True, coverage="file"), "tampered"),
        (SealReport("readable", True, sealed=True, intact=False, coverage="partial"), "rewritten"),
        (SealReport("readable", True, sealed=True, error="SignatureValidationError"), "tampered"),
        (SealReport("readable", False, sealed=True, error="PdfReadError"), "truncated"),
        (SealReport("unreadable", False, error="PdfReadError"), "truncated"),
        (SealReport("unreadable", True, error="PdfReadError"), "unreadable"),
        (SealReport("readable", False), "truncated"),
        (SealReport("readable", True), "unknown"),
    ],
)
def test_each_finding_has_its_verdict(report: SealReport, code: str) -> None:
    assert judge(report, "none").code == code
    assert judge(report, "none").message == MESSAGES[code]  # type: ignore[index]


def test_an_unsealed_original_is_named_as_such() -> None:
    assert judge(SealReport("readable", True), "original").code == "original"


def test_a_report_round_trips_and_garbage_is_no_report() -> None:
    assert SealReport.parse(GOOD.to_json().encode()) == GOOD
    assert SealReport.parse(b"noise\n" + GOOD.to_json().encode()) == GOOD
    for garbage in (b"", b"not json", b'{"structure": "readable", "evil": 1}', b"[1, 2]"):
        assert SealReport.parse(garbage) is None
