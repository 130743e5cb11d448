"""Seal checker process: `python -m services.documents.adapters.sealing.seal_worker PATH CA_PEM_PATH MEMORY_MB CPU_S`.

Started by seal_check.py for a verification when the service has no sandbox pool; a pool's warm
worker runs the same `check` as its "seal" job (adapters/sandbox_worker.py). Like the upload checker (pdf/inspect_worker.py) it
caps its own memory, CPU time and output before reading the file, so a hostile PDF ends in an
exception, a signal or the parent's kill, never in the service. The reply is one JSON line on the
original stdout; library noise goes to stderr.
"""

from __future__ import annotations

import io
import os
import sys
from datetime import datetime
from pathlib import Path

from services.documents.domain.seal_report import Coverage, SealReport
from services.documents.pdf.inspect_worker import apply_limits

# A complete PDF ends with its end-of-file marker (and perhaps a line end): every writer puts it
# last. One that does not was cut short, or had bytes added after its last revision.
TRAILING = b"\r\n\t \x00"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def check(pdf: bytes, ca_pem: bytes) -> SealReport:
    # Imported here: after the limits, so the parser's imports count against them too.
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    ends_with_eof = pdf.rstrip(TRAILING).endswith(b"%%EOF")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # noqa: BLE001 - whatever a stranger's file makes the parser raise
        return SealReport("unreadable", ends_with_eof, error=type(exc).__name__)
    try:
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - a signature field whose value (the CMS blob) does not parse
        return SealReport("readable", ends_with_eof, sealed=True, error=type(exc).__name__)
    if not signatures:
        return SealReport("readable", ends_with_eof)
    # Our seal is the file's first signature; a file we sealed has no other.
    signature = signatures[0]
    try:
        context = ValidationContext(trust_roots=list(load_certs_from_pemder_data(ca_pem)), allow_fetching=False)
        status = validate_pdf_signature(signature, context, ts_validation_context=context)
    except Exception as exc:  # noqa: BLE001 - a malformed signature dictionary or CMS blob
        return SealReport("readable", ends_with_eof, sealed=True, error=type(exc).__name__)
    coverage: Coverage = "partial"
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        coverage = "file"
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        coverage = "revision"
    subject = status.signing_cert.subject
    stamp = status.timestamp_validity
    return SealReport(
        "readable",
        ends_with_eof,
        sealed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=coverage,
        changes_allowed=status.docmdp_ok,
        signer_subject=subject.human_friendly,
        signer_org_id=subject.native.get("organization_name"),
        certificate_sha256=status.signing_cert.sha256.hex(),
        signed_at=_iso(status.signer_reported_dt),
        timestamp_at=_iso(stamp.timestamp) if stamp is not None else None,
        timestamp_valid=(stamp.intact and stamp.valid and stamp.trusted) if stamp is not None else None,
    )


def main(argv: list[str]) -> int:
    reply_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    path, ca_path, memory_mb, cpu_seconds = argv[1], argv[2], int(argv[3]), int(argv[4])
    apply_limits(memory_mb, cpu_seconds)
    report = check(Path(path).read_bytes(), Path(ca_path).read_bytes())
    reply_stream.write(report.to_json() + "\n")
    reply_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
