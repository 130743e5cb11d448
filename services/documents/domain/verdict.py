"""The verdict on a verified file, from the seal checker's report and our records (pure).

Each verdict is a stable machine-readable code (the API's `verdict`); clients branch on it, the
message is for people. Listed from the best news to the worst:

    authentic          the very file we sealed: its SHA-256 is a completed document's signedFileHash
                       (sealed with the organisation's own uploaded certificate, its seal is valid
                       but not `trusted`: the platform CA did not issue it; the message says so)
    sealed-unrecorded  a valid seal of the platform CA over the whole file, but not a file we recorded
                       (the document was deleted, or another deployment shares the CA)
    original           no seal; the file is the original of a document on this platform
    appended           the seal is intact, but bytes were added after it (an edit, a re-save by a reader)
    untrusted-seal     a signature that is intact but not by a certificate of the platform CA
    tampered           bytes inside the sealed range changed: the seal's digest no longer matches
    rewritten          the seal is there but the file was rewritten around it (e.g. re-saved by pypdf)
    truncated          the file ends early: no end-of-file marker where a complete PDF has one
    unknown            a readable PDF with no seal that matches nothing of ours
    unreadable         not a PDF we could read (or one the checker gave up on)
"""

from __future__ import annotations

from dataclasses import dataclass

from services.documents.domain.seal_report import SealReport
from shared.contracts.verify import RecordMatch, VerdictCode

MESSAGES: dict[VerdictCode, str] = {
    "authentic": "This is the sealed file exactly as Countersign produced it, and its seal is valid.",
    "sealed-unrecorded": (
        "The seal is valid and covers the whole file, but Countersign has no record of this "
        "file (its document may have been deleted)."
    ),
    "original": "This is the unsigned original of a document on Countersign; it carries no seal.",
    "appended": (
        "The sealed content is intact, but something was added to the file after it was sealed "
        "(an edit, a form fill, or a re-save by a PDF reader)."
    ),
    "untrusted-seal": "The file is signed, but not by a certificate issued by this platform's CA.",
    "tampered": "The file was changed after it was sealed: its content no longer matches the seal.",
    "rewritten": ("The file was re-saved or rewritten after it was sealed: the seal no longer covers its content."),
    "truncated": "The file is incomplete: it ends before a complete PDF would.",
    "unknown": "This PDF carries no seal and does not match any document on Countersign.",
    "unreadable": "This file could not be read as a PDF.",
}


# `authentic` for a file sealed with the organisation's own certificate (PUT /api/v1/org/certificate):
# our record vouches for the bytes, but the platform CA cannot vouch for the certificate.
AUTHENTIC_OWN_CERTIFICATE = (
    "This is the sealed file exactly as Countersign produced it. It was sealed with the "
    "organisation's own certificate, not one issued by this platform's CA: trust that "
    "organisation's certificate chain to validate the seal yourself."
)


@dataclass(frozen=True, slots=True)
class Verdict:
    code: VerdictCode
    message: str


def _verdict(code: VerdictCode) -> Verdict:
    return Verdict(code, MESSAGES[code])


def judge(report: SealReport, match: RecordMatch) -> Verdict:
    # Our record of the exact bytes beats any reading of them: it is the file we produced.
    if match == "sealed":
        own_certificate = report.sealed and report.valid and not report.trusted
        return Verdict("authentic", AUTHENTIC_OWN_CERTIFICATE if own_certificate else MESSAGES["authentic"])
    if report.structure == "unreadable":
        # A PDF cut short usually fails to parse at all.
        return _verdict("truncated" if not report.ends_with_eof else "unreadable")
    if report.sealed and report.error is not None:
        # A seal that cannot even be evaluated: its tail was cut off, or its own bytes (the
        # signature value, the timestamp token) were changed.
        return _verdict("truncated" if not report.ends_with_eof else "tampered")
    if not report.sealed:
        if match == "original":
            return _verdict("original")
        return _verdict("truncated" if not report.ends_with_eof else "unknown")
    if not report.intact:
        return _verdict("tampered" if report.coverage == "file" else "rewritten")
    if not (report.valid and report.trusted):
        return _verdict("untrusted-seal")
    if report.coverage != "file":
        return _verdict("appended" if report.coverage == "revision" else "rewritten")
    return _verdict("sealed-unrecorded")
